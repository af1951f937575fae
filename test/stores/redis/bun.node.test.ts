/**
 * Runs RedisStore's Bun tests (test/bun/redis.bun.ts) under real Bun — the
 * `bun` dev dependency, with its built-in `RedisClient` — against a private
 * redis-server, so `npm test` covers the Bun adapter.
 */
import { describe, expect, it } from 'vitest';
import { bin, run } from '../../run.ts';
import { useRedis } from './helpers.ts';

const redis = useRedis();

describe('RedisStore under Bun with Bun.RedisClient', () => {
  it('type-checks with Bun’s types', async () => {
    const { code, output } = await run(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'test/bun/tsconfig.json',
    ]);
    expect(code, output).toBe(0);
  }, 60_000);

  it('passes the conformance suite and an engine round trip in bun test', async () => {
    const { code, output } = await run(bin('bun'), ['test', './test/bun/redis.bun.ts'], {
      env: { REDIS_URL: redis.server.url },
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/ \d+ pass\n 0 fail/);
    expect(output).toMatch(/conformance through Bun\.RedisClient > update \(if implemented\) is atomic/);
  }, 60_000);
});
