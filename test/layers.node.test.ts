/**
 * docs/ARCHITECTURE.md "Layers", numbered as there: 1 util → 2 cookie →
 * 3 crypto → 4 consent | session → 5 store helpers, conformance suite,
 * stores → 6 the framework adapters (hono, react-router). Each layer imports
 * only from the layers before it; the two folders of layer 4 do not import
 * each other, nor do the adapters. `src/hono/` is the only code that imports
 * `hono`, and `src/react-router/` the only code that imports `react-router`
 * (optional peers), so `tesserajs` and its store entries never pull them in;
 * `src/index.ts` re-exports layers 2–4 only. A folder of `src/` this test
 * does not know fails it: a new layer is placed here before it lands.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
/** Each folder of `src/` and its layer; folders of one layer may not import each other. */
const LAYER: Record<string, number> = {
  util: 1,
  cookie: 2,
  crypto: 3,
  // Side by side: consent decides which cookies leave, session keeps state; neither needs the other.
  consent: 4,
  session: 4,
  // `store` and `testing` sit beside `stores`: they only know the session layer's store contract.
  store: 5,
  testing: 5,
  stores: 5,
  // The framework adapters: same layer, so neither may import the other.
  hono: 6,
  'react-router': 6,
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

  it('src/ holds only the known layer folders and index.ts', () => {
    const entries = readdirSync(src, { withFileTypes: true });
    const unknown = entries
      .filter((entry) => (entry.isDirectory() ? !(entry.name in LAYER) : entry.name !== 'index.ts'))
      .map((entry) => entry.name);
    expect(unknown).toEqual([]);
    expect(Object.keys(LAYER).filter((layer) => !files.some((f) => f.path.startsWith(`${layer}/`)))).toEqual(
      [],
    );
  });

  it('every layer imports only from itself and the layers before it', () => {
    const offenders: string[] = [];
    for (const { path, text } of files) {
      const folder = path.split('/')[0]!;
      if (path === 'index.ts') continue;
      for (const specifier of relativeImports(text)) {
        const target = resolve(path, specifier).split('/')[0]!;
        if (target !== folder && !(LAYER[target]! < LAYER[folder]!)) offenders.push(`${path} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
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

  it('the root entry re-exports the cookie, crypto, consent and session layers only', () => {
    const index = files.find((f) => f.path === 'index.ts')!;
    expect(relativeImports(index.text).sort()).toEqual([
      './consent/index.ts',
      './cookie/index.ts',
      './crypto/index.ts',
      './session/index.ts',
    ]);
  });
});
