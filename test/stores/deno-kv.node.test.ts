/**
 * Runs the Deno KV store's tests under real Deno (the `deno` dev dependency)
 * with an in-memory `Deno.openKv(":memory:")`, so `npm test` covers them.
 * The Deno side lives in test/deno/*.deno.ts (names vitest does not pick up).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));
const files = readdirSync(new URL('../deno/', import.meta.url))
  .filter((name) => name.endsWith('.deno.ts'))
  .map((name) => `test/deno/${name}`);

// No config (the repo's tsconfig targets Workers), no remote or npm
// resolution (no network), no permissions beyond the defaults.
const common = ['--no-config', '--no-remote', '--no-npm'];

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(deno, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('DenoKVStore under Deno', () => {
  it('finds the Deno test files', () => {
    expect(files).toContain('test/deno/deno-kv.deno.ts');
  });

  it('type-checks under Deno, and Deno.Kv fits DenoKvLike', async () => {
    const { code, output } = await run(['check', ...common, 'test/deno/types.deno.ts']);
    expect(code, output).toBe(0);
  }, 120_000);

  it('passes the conformance suite and its own tests in deno test', async () => {
    const { code, output } = await run(['test', ...common, '--no-check', '--unstable-kv', '--no-prompt', ...files]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/ok \| \d+ passed \| 0 failed/);
    expect(output).toMatch(/conformance: update \(if implemented\) is atomic/);
  }, 120_000);
});
