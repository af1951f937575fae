import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Tests that run in every runtime live under test/ and must use Web APIs only.
// Node-only tests (spawning Deno/Bun, the browser, fs) are named *.node.test.ts.
const shared = ['test/**/*.test.ts'];
const nodeOnly = ['test/**/*.node.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'node', include: shared, environment: 'node' },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: { name: 'workerd', include: shared, exclude: nodeOnly },
      },
    ],
  },
});
