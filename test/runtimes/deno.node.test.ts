import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from './scenario.ts';
import { startServer, type RunningServer } from './server.ts';

const deno = 'node_modules/.bin/deno';

describe('examples/deno.ts on Deno with Deno KV', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      deno,
      ['run', '--no-config', '--no-remote', '--no-npm', '--no-prompt', '--unstable-kv', '--allow-net=127.0.0.1', '--allow-env', 'examples/deno.ts'],
      { SESSION_SECRET: 'runtime-test-secret-0123456789-abcdefghij', KV_PATH: ':memory:' },
    );
  }, 60_000);
  afterAll(() => server?.stop());

  it('type-checks with Deno', () => {
    const run = () => execFileSync(deno, ['check', '--no-config', '--no-remote', '--no-npm', 'examples/deno.ts'], { encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  }, 60_000);

  it('passes the session scenario over HTTP', () => runScenario(server.url), 30_000);
});
