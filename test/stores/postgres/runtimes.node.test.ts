/**
 * Runs PostgresStore's Bun and Deno tests under the real runtimes (the `bun`
 * and `deno` dev dependencies) against a private PostgreSQL: Bun with its
 * built-in `Bun.sql` (test/bun/postgres.bun.ts), Deno with postgres.js as
 * `npm:postgres` from this project's node_modules, no registry access
 * (test/deno-npm/postgres.deno.ts). Deno's permissions: loopback network and
 * the variables postgres.js reads.
 */
import { describe, expect, it } from 'vitest';
import { bin, run } from '../../run.ts';
import { usePostgres } from './helpers.ts';

const db = usePostgres();

describe('PostgresStore under Bun with Bun.sql', () => {
  it('type-checks with Bun’s types', async () => {
    const { code, output } = await run(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'test/bun/tsconfig.json',
    ]);
    expect(code, output).toBe(0);
  }, 60_000);

  it('passes the conformance suite and an engine round trip in bun test', async () => {
    const { code, output } = await run(bin('bun'), ['test', './test/bun/postgres.bun.ts'], {
      env: { DATABASE_URL: db.server.url },
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/ \d+ pass\n 0 fail/);
    expect(output).toMatch(/conformance through Bun\.sql > update \(if implemented\) is atomic/);
  }, 60_000);
});

describe('PostgresStore under Deno with postgres.js (npm:postgres)', () => {
  const deno = bin('deno');
  const common = ['--no-config', '--node-modules-dir=manual', '--no-remote'];
  const file = 'test/deno-npm/postgres.deno.ts';

  it('type-checks under Deno', async () => {
    const { code, output } = await run(deno, ['check', ...common, file]);
    expect(code, output).toBe(0);
  }, 120_000);

  it('passes the conformance suite and an engine round trip in deno test', async () => {
    const { code, output } = await run(
      deno,
      ['test', ...common, '--no-check', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env', file],
      { env: { DATABASE_URL: db.server.url } },
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/ok \| \d+ passed \| 0 failed/);
    expect(output).toMatch(/conformance: update \(if implemented\) is atomic/);
  }, 120_000);
});
