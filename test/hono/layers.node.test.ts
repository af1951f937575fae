/**
 * DESIGN.md layer 5: `src/hono/` is the only code that imports `hono` (an
 * optional peer), so `tessera` and its store entries never pull it in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const importsHono = /\bfrom\s+['"]hono(?:\/[^'"]*)?['"]|\bimport\(\s*['"]hono(?:\/[^'"]*)?['"]\s*\)/;

describe('layers', () => {
  it('only src/hono imports hono', () => {
    const offenders = sources(src)
      .map((file) => relative(src, file).split('\\').join('/'))
      .filter((file) => !file.startsWith('hono/') && importsHono.test(readFileSync(join(src, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('nothing below src/hono imports from it', () => {
    const hono = sources(join(src, 'hono')).map((file) => readFileSync(file, 'utf8'));
    expect(hono.some((text) => importsHono.test(text))).toBe(true);
    for (const file of sources(src).filter((f) => !relative(src, f).startsWith('hono'))) {
      expect(readFileSync(file, 'utf8'), relative(src, file)).not.toMatch(/from\s+['"][./]*\/hono\//);
    }
  });
});
