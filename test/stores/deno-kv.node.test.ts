/**
 * Runs the Deno KV store's tests under real Deno (the `deno` dev dependency)
 * with an in-memory `Deno.openKv(":memory:")`, so `npm test` covers them.
 * The Deno side lives in test/deno/*.deno.ts (names vitest does not pick up).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bin, run } from '../run.ts';

const deno = bin('deno');
const files = readdirSync(new URL('../deno/', import.meta.url))
  .filter((name) => name.endsWith('.deno.ts'))
  .map((name) => `test/deno/${name}`);

// No config (the repo's tsconfig targets Workers), no remote or npm
// resolution (no network), no permissions beyond the defaults.
const common = ['--no-config', '--no-remote', '--no-npm'];

describe('DenoKVStore under Deno', () => {
  it('finds the Deno test files', () => {
    expect(files).toContain('test/deno/deno-kv.deno.ts');
  });

  it('type-checks under Deno, and Deno.Kv fits DenoKvLike', async () => {
    const { code, output } = await run(deno, ['check', ...common, 'test/deno/types.deno.ts']);
    expect(code, output).toBe(0);
  }, 120_000);

  it('passes the conformance suite and its own tests in deno test', async () => {
    const { code, output } = await run(deno, [
      'test',
      ...common,
      '--no-check',
      '--unstable-kv',
      '--no-prompt',
      ...files,
    ]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/ok \| \d+ passed \| 0 failed/);
    expect(output).toMatch(/conformance: update \(if implemented\) is atomic/);
  }, 120_000);
});
