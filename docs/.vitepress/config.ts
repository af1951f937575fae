/**
 * The documentation site: `npm run docs:build` (offline, local search) and
 * `npm run docs:dev`. Pages are the markdown files under docs/, readable on
 * GitHub as they are (links between them end in .md); the API reference
 * under docs/api/ is generated from the TSDoc by scripts/api-reference.mjs
 * and not committed. Dead links fail the build (VitePress' default, kept).
 */
import { readFileSync } from 'node:fs';
import { defineConfig, type DefaultTheme } from 'vitepress';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  description: string;
  exports: Record<string, unknown>;
};

/** One API page per subpath export, the same list the generator uses. */
const apiModules: DefaultTheme.SidebarItem[] = Object.entries(pkg.exports)
  .filter(([, conditions]) => typeof conditions === 'object')
  .map(([subpath]) => pkg.name + subpath.slice(1))
  .map((specifier) => ({ text: specifier, link: `/api/${specifier}/` }));

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Getting started',
    items: [
      { text: 'Install', link: '/getting-started/' },
      { text: 'Workers + Durable Objects', link: '/getting-started/workers' },
      { text: 'Hono', link: '/getting-started/hono' },
      { text: 'Node', link: '/getting-started/node' },
      { text: 'Deno', link: '/getting-started/deno' },
      { text: 'Bun', link: '/getting-started/bun' },
    ],
  },
  {
    text: 'Cookies',
    items: [
      { text: 'Cookies', link: '/cookies' },
      { text: 'Signed and sealed values', link: '/signed-and-sealed' },
      { text: 'Consent and GPC', link: '/consent' },
    ],
  },
  {
    text: 'Sessions',
    items: [
      { text: 'Sessions', link: '/sessions' },
      { text: 'Remember me', link: '/remember-me' },
      { text: 'Devices and sign out everywhere', link: '/devices' },
      { text: 'Read cache', link: '/read-cache' },
      { text: 'Device Bound Session Credentials', link: '/device-bound-sessions' },
      { text: 'Id rotation', link: '/rotation' },
      { text: 'API tokens', link: '/api-tokens' },
      { text: 'CSRF', link: '/csrf' },
    ],
  },
  {
    text: 'Stores',
    items: [
      { text: 'Choosing a store', link: '/stores/' },
      { text: 'Memory', link: '/stores/memory' },
      { text: 'Cookie', link: '/stores/cookie' },
      { text: 'Durable Objects', link: '/stores/durable-objects' },
      { text: 'Workers KV', link: '/stores/kv' },
      { text: 'D1', link: '/stores/d1' },
      { text: 'Deno KV', link: '/stores/deno-kv' },
      { text: 'Redis', link: '/stores/redis' },
      { text: 'PostgreSQL', link: '/stores/postgres' },
      { text: 'Writing a store', link: '/stores/writing-a-store' },
    ],
  },
  {
    text: 'Frameworks',
    items: [
      { text: 'Hono', link: '/hono' },
      { text: 'React Router', link: '/react-router' },
    ],
  },
  {
    text: 'Reference',
    items: [
      { text: 'Security model', link: '/security' },
      { text: 'Performance', link: '/performance' },
      { text: 'FAQ', link: '/faq' },
      { text: 'Migrating', link: '/migrating' },
      { text: 'Architecture', link: '/ARCHITECTURE' },
      { text: 'Formats', link: '/FORMATS' },
      { text: 'API reference', link: '/api/' },
    ],
  },
];

export default defineConfig({
  title: 'Tessera',
  description: pkg.description,
  lang: 'en',
  cleanUrls: true,
  lastUpdated: false,
  // Inside docs/ but not pages of the site.
  srcExclude: ['**/node_modules/**'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started/' },
      { text: 'Stores', link: '/stores/' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiModules }],
      '/': guide,
    },
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
