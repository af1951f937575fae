/**
 * RedisStore through Bun's built-in Redis client (`RedisClient` from "bun"),
 * under real Bun. Run by test/stores/redis-bun.node.test.ts (inside
 * `npm test`) against its private redis-server, or directly:
 * `REDIS_URL=redis://127.0.0.1:6379 bun test ./test/bun/redis.bun.ts`.
 */
import { RedisClient } from 'bun';
import { afterAll, describe, expect, it } from 'bun:test';
import { createSessionManager } from '../../src/index.ts';
import { bunRedis, RedisStore } from '../../src/stores/redis.ts';
import { storeConformance } from '../../src/testing/index.ts';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL must name the test redis-server');
const client = new RedisClient(url);
afterAll(() => client.close());

describe('RedisStore conformance through Bun.RedisClient', () => {
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(() => new RedisStore(bunRedis(client), { prefix: 'bun:', now }), {
    now,
    advance: (ms) => void (time += ms),
  });
  for (const check of checks) it(check.name, check.run);
});

describe('RedisStore behind the session engine on Bun', () => {
  it('login, 50 concurrent increments, logout', async () => {
    const store = new RedisStore(bunRedis(client), { prefix: 'bun-engine:' });
    const sessions = createSessionManager<{ userId?: string; n?: number }>({
      secrets: 'bun-redis-test-secret-0123456789-abcdef',
      store,
    });
    const app = sessions.handle(async (request, _env, _ctx, session) => {
      const path = new URL(request.url).pathname;
      if (path === '/login') {
        await session.regenerate();
        session.set('userId', 'ada');
      } else if (path === '/count') session.increment('n');
      else if (path === '/logout') await session.destroy();
      return Response.json({
        userId: (await session.get('userId')) ?? null,
        n: (await session.get('n')) ?? 0,
      });
    });
    const request = (path: string, cookie?: string) =>
      app(new Request(`https://app.example${path}`, { headers: cookie ? { cookie } : {} }));
    const cookie = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
    await Promise.all(Array.from({ length: 50 }, () => request('/count', cookie)));
    expect(await (await request('/', cookie)).json()).toEqual({ userId: 'ada', n: 50 });
    expect(await store.listByUser('ada')).toHaveLength(1);
    await request('/logout', cookie);
    expect(await (await request('/', cookie)).json()).toEqual({ userId: null, n: 0 });
  });
});
