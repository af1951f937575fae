/**
 * RedisStore against a real redis-server (test/stores/redis-server.ts),
 * through node-redis and ioredis on Node: the shared conformance suite, then
 * what is particular to Redis.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ioRedis, nodeRedis, RedisStore } from '../../src/stores/redis.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { type RedisServer, startRedis } from './redis-server.ts';

let server: RedisServer;
let node: ReturnType<typeof createClient>;
let io: Redis;

beforeAll(async () => {
  server = await startRedis();
  node = createClient({ url: server.url });
  await node.connect();
  io = new Redis(server.port, '127.0.0.1');
}, 30_000);

afterAll(async () => {
  node?.destroy();
  io?.disconnect();
  await server?.stop();
});

for (const [name, connect] of [
  ['node-redis', () => nodeRedis(node)],
  ['ioredis', () => ioRedis(io)],
] as const) {
  describe(`RedisStore conformance through ${name}`, () => {
    let time = Date.now();
    const now = () => time;
    const checks = storeConformance(() => new RedisStore(connect(), { prefix: `${name}:`, now }), {
      now,
      advance: (ms) => void (time += ms),
    });
    for (const check of checks) it(check.name, check.run);
  });
}
