import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scenarioOverHttp } from './server.ts';

const deno = 'node_modules/.bin/deno';

describe('examples/deno.ts on Deno with Deno KV', () => {
  it('type-checks with Deno', () => {
    const run = () =>
      execFileSync(deno, ['check', '--no-config', '--no-remote', '--no-npm', 'examples/deno.ts'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    expect(run).not.toThrow();
  }, 60_000);

  scenarioOverHttp(
    deno,
    [
      'run',
      '--no-config',
      '--no-remote',
      '--no-npm',
      '--no-prompt',
      '--unstable-kv',
      '--allow-net=127.0.0.1',
      '--allow-env',
      'examples/deno.ts',
    ],
    { KV_PATH: ':memory:' },
  );
});
