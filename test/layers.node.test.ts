/**
 * docs/ARCHITECTURE.md "Layers": util → cookie → crypto → session → stores →
 * the framework adapters (hono, react-router), each importing only from the
 * layers before it; the adapters do not import each other. `src/hono/` is the
 * only code that imports `hono`, and `src/react-router/` the only code that
 * imports `react-router` (optional peers), so `tesserajs` and its store
 * entries never pull them in; `src/index.ts` re-exports layers 1–3 only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const ORDER = ['util', 'cookie', 'crypto', 'session', 'store', 'testing', 'stores', 'hono', 'react-router'];
// `store` and `testing` sit beside `stores`: they only know the session layer's store contract.
const RANK: Record<string, number> = {
  util: -1,
  cookie: 0,
  crypto: 1,
  session: 2,
  store: 3,
  testing: 3,
  stores: 3,
  // The framework adapters: same rank, so neither may import the other.
  hono: 4,
  'react-router': 4,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const relativeImports = (text: string) =>
  [...text.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
const resolve = (path: string, specifier: string) =>
  relative(src, join(src, path, '..', specifier))
    .split('\\')
    .join('/');
/** Imports of the package `name` or one of its subpaths, static or dynamic. */
const importing = (name: string) =>
  new RegExp(`\\bfrom\\s+['"]${name}(?:/[^'"]*)?['"]|\\bimport\\(\\s*['"]${name}(?:/[^'"]*)?['"]\\s*\\)`);
/** Each optional peer and the one folder allowed to import it. */
const PEERS = [
  ['hono', 'hono/'],
  ['react-router', 'react-router/'],
] as const;

describe('layers', () => {
  const files = sources(src).map((file) => ({
    path: relative(src, file).split('\\').join('/'),
    text: readFileSync(file, 'utf8'),
  }));

  it('every layer imports only from itself and the layers before it', () => {
    const offenders: string[] = [];
    for (const { path, text } of files) {
      const layer = path.split('/')[0]!;
      if (!(layer in RANK)) continue;
      for (const specifier of relativeImports(text)) {
        const target = resolve(path, specifier).split('/')[0]!;
        if (target in RANK && target !== layer && RANK[target]! >= RANK[layer]!)
          offenders.push(`${path} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(ORDER.every((layer) => files.some((f) => f.path.startsWith(`${layer}/`)))).toBe(true);
  });

  it('no module imports itself through a cycle (type-only imports included)', () => {
    const graph = new Map(
      files.map(({ path, text }) => [
        path,
        relativeImports(text).map((specifier) => resolve(path, specifier)),
      ]),
    );
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (path: string, stack: string[]) => {
      if (stack.includes(path)) {
        cycles.push([...stack.slice(stack.indexOf(path)), path].join(' → '));
        return;
      }
      if (done.has(path)) return;
      for (const next of graph.get(path) ?? []) visit(next, [...stack, path]);
      done.add(path);
    };
    for (const path of graph.keys()) visit(path, []);
    expect(cycles).toEqual([]);
  });

  for (const [peer, folder] of PEERS) {
    it(`only src/${folder} imports ${peer}`, () => {
      const imports = importing(peer);
      const offenders = files
        .filter(({ path, text }) => !path.startsWith(folder) && imports.test(text))
        .map((f) => f.path);
      expect(offenders).toEqual([]);
      expect(files.some(({ path, text }) => path.startsWith(folder) && imports.test(text))).toBe(true);
    });
  }

  it('the root entry re-exports the cookie, crypto and session layers only', () => {
    const index = files.find((f) => f.path === 'index.ts')!;
    expect(relativeImports(index.text).sort()).toEqual([
      './cookie/index.ts',
      './crypto/index.ts',
      './session/index.ts',
    ]);
  });
});
