/**
 * The API reference lists every export of every subpath in package.json
 * `exports`: scripts/api-reference.mjs (what `npm run docs:build` runs)
 * writes it into a scratch folder, and each module's page must link every
 * name the TypeScript compiler sees the entry export.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { entryPoints, generate } from '../scripts/api-reference.mjs';
import { exportsOf, programOf } from './exports.ts';
import { entries, specifier } from './manifest.ts';

let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'tesserajs-api-'));
  await generate(out);
}, 300_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

/**
 * The names a module page lists: its own declarations as links, and what it
 * re-exports from another entry as a heading over "Re-exports [name](…)".
 */
function linked(page: string): Set<string> {
  const text = readFileSync(page, 'utf8');
  const names = [
    ...text.matchAll(/^- \[([^\]]+)\]\(/gm),
    ...text.matchAll(/^### (\S+)\n\nRe-exports \[/gm),
  ].map((m) => m[1]!.replaceAll('\\', ''));
  return new Set(names);
}

describe('the API reference', () => {
  it('has one module per subpath export, named by its import specifier', () => {
    const specifiers = (entryPoints() as [string, string][]).map(([name]) => name);
    expect(specifiers).toEqual(entries.map(([subpath]) => specifier(subpath)));
    const index = linked(join(out, 'index.md'));
    for (const name of specifiers) expect(index.has(name), name).toBe(true);
  });

  it('lists every export of every entry', () => {
    const sources = (entryPoints() as [string, string][]).map(([, source]) => source);
    const program = programOf(sources);
    const missing: string[] = [];
    for (const [name, source] of entryPoints() as [string, string][]) {
      const page = join(out, name, 'index.md');
      expect(existsSync(page), page).toBe(true);
      const listed = linked(page);
      const exported = exportsOf(source, program);
      expect(exported.length, name).toBeGreaterThan(0);
      for (const symbol of exported) if (!listed.has(symbol)) missing.push(`${name}: ${symbol}`);
    }
    expect(missing).toEqual([]);
  });
});
