/**
 * The Hono apps the HTTP benchmark serves, one per candidate. Every session
 * candidate does the same work per request: read a counter from the session,
 * write it back plus one, answer with the new value. Bare Hono does the same
 * with a variable, so the ratio is the cost of the session layer. The read-only
 * candidate answers with the counter its `/seed` route wrote once.
 */
import { useSession } from '@hono/session';
import { Hono, type MiddlewareHandler } from 'hono';
import {
  CookieStore as HSCookieStore,
  MemoryStore as HSMemoryStore,
  sessionMiddleware,
  type Session as HSSession,
} from 'hono-sessions';
import { createClient } from 'redis';
import { session, type SessionEnv } from '../../src/hono/index.ts';
import { CookieStore, MemoryStore, type SessionStore } from '../../src/index.ts';
import { type BunRedisLike, bunRedis, nodeRedis, RedisStore } from '../../src/stores/redis/index.ts';

const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';
type Data = { n?: number };

/** What a server serves: a fetch handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

function bare(): FetchHandler {
  let n = 0;
  const app = new Hono();
  app.get('/', (c) => c.text(String(++n)));
  return app.fetch;
}

/**
 * The floor of any session middleware on Hono: an async middleware that reads
 * the cookie header and awaits the handler, and a handler that awaits once
 * (as `await session.get()` does) — no session work at all. `/seed` sets a
 * cookie so the returning client has one to send.
 */
function floor(): FetchHandler {
  const app = new Hono<{ Variables: { cookie: string | null } }>();
  app.use(async (c, next) => {
    c.set('cookie', c.req.raw.headers.get('cookie'));
    await next();
  });
  app.get('/seed', (c) => {
    c.header('set-cookie', 'n=1; Path=/; HttpOnly');
    return c.text('1');
  });
  app.get('/', async (c) => c.text((await Promise.resolve(c.var.cookie)) === null ? '0' : '1'));
  return app.fetch;
}

/**
 * The floor of a session response: the same, plus what a session must do
 * when it changed — one Set-Cookie added after the handler ran, in place on
 * the handler's response (its headers are mutable). Not through `c.header`:
 * after the handler, Hono copies the response for it, and on Node the copy
 * leaves @hono/node-server's fast path (the body becomes a stream).
 */
function floorSetCookie(): FetchHandler {
  let n = 0;
  const app = new Hono<{ Variables: { cookie: string | null } }>();
  app.use(async (c, next) => {
    c.set('cookie', c.req.raw.headers.get('cookie'));
    await next();
    c.res.headers.append('set-cookie', `n=${++n}; Path=/; HttpOnly`);
  });
  app.get('/seed', (c) => c.text('1'));
  app.get('/', async (c) => c.text((await Promise.resolve(c.var.cookie)) === null ? '0' : '1'));
  return app.fetch;
}

function tessera(store: SessionStore | CookieStore, readOnly = false): FetchHandler {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ secrets: SECRET, store }));
  if (readOnly) {
    // The client's first request writes the session here; `/` only reads it.
    app.get('/seed', (c) => {
      c.var.session.set('n', 1);
      return c.text('1');
    });
    app.get('/', async (c) => c.text(String((await c.var.session.get('n')) ?? 0)));
    return app.fetch;
  }
  app.get('/', async (c) => {
    const s = c.var.session;
    const n = ((await s.get('n')) ?? 0) + 1;
    s.set('n', n);
    return c.text(String(n));
  });
  return app.fetch;
}

/**
 * RedisStore on the benchmark's redis-server (REDIS_URL, set by run.mjs),
 * through the runtime's usual client: Bun's own on Bun, node-redis on Node.
 */
function redisStore(): RedisStore {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('Tessera RedisStore: REDIS_URL must name the benchmark redis-server');
  const bun = (globalThis as { Bun?: { RedisClient: new (url: string) => BunRedisLike } }).Bun;
  if (bun) return new RedisStore(bunRedis(new bun.RedisClient(url)));
  const client = createClient({ url });
  // Commands sent before the connection is up wait for it (node-redis' offline queue).
  client.connect().catch((error: unknown) => console.error(error));
  return new RedisStore(nodeRedis(client));
}

function honoSessions(store: HSMemoryStore | HSCookieStore): FetchHandler {
  const app = new Hono<{ Variables: { session: HSSession<Data>; session_key_rotation: boolean } }>();
  app.use(
    '*',
    sessionMiddleware({
      store,
      encryptionKey: SECRET,
      expireAfterSeconds: 900,
      cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
    }),
  );
  app.get('/', (c) => {
    const s = c.get('session');
    const n = (s.get('n') ?? 0) + 1;
    s.set('n', n);
    return c.text(String(n));
  });
  return app.fetch;
}

function honoSession(): FetchHandler {
  const app = new Hono();
  app.use(useSession<Data>({ secret: 'a'.repeat(64), duration: { absolute: 3600 } }) as MiddlewareHandler);
  app.get('/', async (c) => {
    const s = (c.var as { session: { get(): Promise<Data | null>; update(d: Data): Promise<void> } }).session;
    const n = ((await s.get())?.n ?? 0) + 1;
    await s.update({ n });
    return c.text(String(n));
  });
  return app.fetch;
}

/** Candidates by name, in report order; the first is the baseline. */
export const candidates: Record<string, () => FetchHandler> = {
  'bare Hono': bare,
  'floor: async middleware + cookie header': floor,
  'floor: async middleware + cookie header + one Set-Cookie': floorSetCookie,
  'Tessera MemoryStore': () => tessera(new MemoryStore()),
  'Tessera MemoryStore, read only': () => tessera(new MemoryStore(), true),
  'Tessera CookieStore': () => tessera(new CookieStore()),
  'Tessera RedisStore': () => tessera(redisStore()),
  '@hono/session (JWE cookie)': honoSession,
  'hono-sessions MemoryStore + encryption': () => honoSessions(new HSMemoryStore()),
  'hono-sessions CookieStore': () => honoSessions(new HSCookieStore()),
};

/** The handler for a candidate named on the command line; exits the process on a bad name. */
export function handlerFor(name: string | undefined): FetchHandler {
  const make = name === undefined ? undefined : candidates[name];
  if (make === undefined) {
    console.error(`unknown candidate ${JSON.stringify(name)}; one of: ${Object.keys(candidates).join(', ')}`);
    process.exit(2);
  }
  return make();
}
