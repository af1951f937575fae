/**
 * RedisStore through Bun's built-in Redis client (`RedisClient` from "bun"),
 * under real Bun. Run by test/stores/redis/bun.node.test.ts (inside
 * `npm test`) against its private redis-server, or directly:
 * `REDIS_URL=redis://127.0.0.1:6379 bun test ./test/bun/redis.bun.ts`.
 */
import { RedisClient } from 'bun';
import { afterAll, describe, it } from 'bun:test';
import { bunRedis, RedisStore } from '../../src/stores/redis/index.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { engineRoundTrip } from '../stores/engine-round-trip.ts';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL must name the test redis-server');
const client = new RedisClient(url);
afterAll(() => client.close());

describe('RedisStore conformance through Bun.RedisClient', () => {
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(
    () => new RedisStore(bunRedis(client), { prefix: 'bun:', now, maxRecordBytes: 100_000 }),
    {
      now,
      advance: (ms) => void (time += ms),
      maxRecordBytes: 100_000,
    },
  );
  for (const check of checks) it(check.name, check.run);
});

describe('RedisStore behind the session engine on Bun', () => {
  it('login, 50 concurrent increments, logout', () =>
    engineRoundTrip(new RedisStore(bunRedis(client), { prefix: 'bun-engine:' })));
});
