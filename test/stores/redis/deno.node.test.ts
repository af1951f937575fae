/**
 * Runs RedisStore's Deno tests (test/deno-npm/redis.deno.ts) under real Deno
 * — the `deno` dev dependency — with node-redis as `npm:redis`, resolved from
 * this project's node_modules (no registry access), against a private
 * redis-server. Permissions: loopback network and the two variables it reads.
 */
import { describe, expect, it } from 'vitest';
import { bin, run } from '../../run.ts';
import { useRedis } from './helpers.ts';

const redis = useRedis();
const deno = bin('deno');
const common = ['--no-config', '--node-modules-dir=manual', '--no-remote'];
const file = 'test/deno-npm/redis.deno.ts';

describe('RedisStore under Deno with node-redis (npm:redis)', () => {
  it('type-checks under Deno', async () => {
    const { code, output } = await run(deno, ['check', ...common, file]);
    expect(code, output).toBe(0);
  }, 120_000);

  it('passes the conformance suite and an engine round trip in deno test', async () => {
    const { code, output } = await run(
      deno,
      [
        'test',
        ...common,
        '--no-check',
        '--no-prompt',
        '--allow-net=127.0.0.1',
        '--allow-env=REDIS_URL,REDIS_DEBUG_MAINTENANCE',
        file,
      ],
      { env: { REDIS_URL: redis.server.url } },
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/ok \| \d+ passed \| 0 failed/);
    expect(output).toMatch(/conformance: update \(if implemented\) is atomic/);
  }, 120_000);
});
