/**
 * RedisStore when Redis fails: killed mid-test (SIGKILL, as a crash) and
 * restarted on the same port, and slowed down (`DEBUG SLEEP`). Requests
 * made while Redis is down fail through the app's error path — the handler
 * rejects, Hono answers 500 without a Set-Cookie — never with a fresh
 * session that would overwrite the stored one, never a 200 whose write was
 * lost; once Redis is back the same cookie works again. The server keeps an
 * append-only file synced at every write, so what it acknowledged survives
 * the crash.
 */
import { Hono } from 'hono';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { session, type SessionEnv } from '../../../src/hono/index.ts';
import { createSessionManager } from '../../../src/index.ts';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { UPDATE } from '../../../src/stores/redis/update-script.ts';
import { type RedisServer, startRedis } from './server.ts';

type Data = { userId?: string; n?: number; log?: number[] };
const SECRET = 'redis-fault-test-secret-0123456789-abcdef';

let server: RedisServer;
let client: ReturnType<typeof createClient>;
let store: RedisStore;

beforeAll(async () => {
  server = await startRedis({ appendOnly: true });
  // No offline queue: while Redis is down a command fails at once instead of waiting for it.
  client = createClient({
    url: server.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  });
  client.on('error', () => undefined); // reconnection errors are expected here
  await client.connect();
  store = new RedisStore(nodeRedis(client));
}, 30_000);

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

/** Waits (bounded) until the client answers again after a restart. */
async function reconnected(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await client.sendCommand(['PING']).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the client did not reconnect within 10 s');
}

/** Redis up again (a no-op when it is), so a failed test leaves it running for the next. */
async function back(): Promise<void> {
  await server.restart();
  await reconnected();
}

function counterApp(through = store) {
  const sessions = createSessionManager<Data>({ secrets: SECRET, store: through });
  const handler = sessions.handle(async (request, _env, _ctx, s) => {
    if (new URL(request.url).pathname === '/login') {
      await s.regenerate();
      s.set('userId', 'ada');
    } else s.increment('n');
    return Response.json({ userId: (await s.get('userId')) ?? null, n: (await s.get('n')) ?? 0 });
  });
  return (path: string, cookie?: string) =>
    handler(
      new Request(`https://app.example${path}`, { headers: cookie ? { cookie } : {} }),
      undefined,
      undefined,
    );
}

describe('RedisStore when Redis is killed and restarted', () => {
  afterEach(back, 30_000);

  it('requests fail through the error path while it is down, and the session carries on after', async () => {
    const request = counterApp();
    const cookie = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
    for (let i = 0; i < 3; i++) await request('/count', cookie);

    await server.kill();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => request('/count', cookie)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('rejected'));

    // Hono turns the rejection into a 500: no cookie for a fresh session that would replace ada's.
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secrets: SECRET, store }));
    app.get('/', async (c) => c.text(String((await c.var.session.get('n')) ?? 0)));
    app.onError((_error, c) => c.text('store unavailable', 500));
    const failed = await app.request('https://app.example/', { headers: { cookie } });
    expect(failed.status).toBe(500);
    expect(failed.headers.getSetCookie()).toEqual([]);

    await back();
    expect(await (await request('/count', cookie)).json()).toEqual({ userId: 'ada', n: 4 });
    expect(await (await app.request('https://app.example/', { headers: { cookie } })).text()).toBe('4');
  }, 30_000);

  it('a crash in the middle of 40 concurrent increments loses none that answered 200', async () => {
    // Redis dies just before the 15th update is sent: that one and the later ones cannot land.
    let updates = 0;
    const crashing = new RedisStore({
      async send(command, key) {
        if (command[0] === 'EVALSHA' && command[1] === (await UPDATE.sha()) && ++updates === 15)
          await server.kill();
        return nodeRedis(client).send(command, key);
      },
    });
    const request = counterApp(crashing);
    const cookie = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => request('/count', cookie)));
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
    const failed = results.filter((r) => r.status === 'rejected').length;
    expect(ok + failed).toBe(40);
    expect(failed).toBeGreaterThanOrEqual(26);

    await back();
    const { n } = (await (await request('/count', cookie)).json()) as { n: number };
    // Every acknowledged increment is there; one whose reply the crash cut off may be too.
    expect(n - 1).toBeGreaterThanOrEqual(ok);
    expect(n - 1).toBeLessThanOrEqual(14);
  }, 30_000);
});

describe('RedisStore when Redis is slow', () => {
  it('DEBUG SLEEP 0.5 in the middle of concurrent updates: every write lands once, in full', async () => {
    const slow = createClient({ url: server.url });
    await slow.connect();
    try {
      const sessions = createSessionManager<Data>({ secrets: SECRET, store });
      const handler = sessions.handle(async (request, _env, _ctx, s) => {
        const i = Number(new URL(request.url).searchParams.get('i'));
        if (i < 0) s.set('userId', 'lin');
        else {
          s.increment('n');
          s.push('log', i);
        }
        return new Response('ok');
      });
      const request = (i: number, cookie?: string) =>
        handler(
          new Request(`https://app.example/?i=${i}`, { headers: cookie ? { cookie } : {} }),
          undefined,
          undefined,
        );
      const cookie = (await request(-1)).headers.getSetCookie()[0]!.split(';')[0]!;
      const started = Date.now();
      const [, ...responses] = await Promise.all([
        slow.sendCommand(['DEBUG', 'SLEEP', '0.5']),
        ...Array.from({ length: 50 }, (_, i) => request(i, cookie)),
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      const [key] = await store.listByUser('lin');
      const read = (await store.get(key!))!;
      expect(read.data.n).toBe(50);
      expect((read.data.log as number[]).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
    } finally {
      slow.destroy();
    }
  }, 30_000);
});
