/**
 * RedisStore through node-redis (`npm:redis`, resolved from the project's
 * node_modules) under real Deno. Run by test/stores/redis-deno.node.test.ts
 * (inside `npm test`) against its private redis-server, or directly:
 * `REDIS_URL=redis://127.0.0.1:6379 deno test --no-config --node-modules-dir=manual --allow-net --allow-env test/deno-npm/redis.deno.ts`.
 * (Files here use npm packages, unlike test/deno, which runs with --no-npm.)
 */
import { createClient } from 'npm:redis';
import { createSessionManager } from '../../src/index.ts';
import { nodeRedis, RedisStore } from '../../src/stores/redis.ts';
import { storeConformance } from '../../src/testing/index.ts';

const url = Deno.env.get('REDIS_URL');
if (!url) throw new Error('REDIS_URL must name the test redis-server');
const client = createClient({ url });
await client.connect();

// One client for every test: Deno's leak checks would see a client per test as leaked.
const test = (name: string, run: () => Promise<void>) =>
  Deno.test({ name, fn: run, sanitizeOps: false, sanitizeResources: false });

{
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(() => new RedisStore(nodeRedis(client), { prefix: 'deno:', now }), {
    now,
    advance: (ms) => void (time += ms),
  });
  for (const check of checks) test(`conformance: ${check.name}`, check.run);
}

test('behind the session engine: login, 50 concurrent increments, logout', async () => {
  const store = new RedisStore(nodeRedis(client), { prefix: 'deno-engine:' });
  const sessions = createSessionManager<{ userId?: string; n?: number }>({
    secrets: 'deno-redis-test-secret-0123456789-abcdef',
    store,
  });
  const app = sessions.handle(async (request, _env, _ctx, session) => {
    const path = new URL(request.url).pathname;
    if (path === '/login') {
      await session.regenerate();
      session.set('userId', 'ada');
    } else if (path === '/count') session.increment('n');
    else if (path === '/logout') await session.destroy();
    return Response.json({ userId: (await session.get('userId')) ?? null, n: (await session.get('n')) ?? 0 });
  });
  const request = (path: string, cookie?: string) =>
    app(new Request(`https://app.example${path}`, { headers: cookie ? { cookie } : {} }));
  const cookie = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
  await Promise.all(Array.from({ length: 50 }, () => request('/count', cookie)));
  const body = JSON.stringify(await (await request('/', cookie)).json());
  if (body !== '{"userId":"ada","n":50}') throw new Error(`after 50 increments: ${body}`);
  await request('/logout', cookie);
  const after = JSON.stringify(await (await request('/', cookie)).json());
  if (after !== '{"userId":null,"n":0}') throw new Error(`after logout: ${after}`);
});

test('closes the client', async () => {
  client.destroy();
});
