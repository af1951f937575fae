/**
 * Session engine: a request that reads a counter and writes it back, through
 * Tessera and through the peers' Hono middlewares, each driven by a client
 * that returns its cookies like a browser.
 */
import { useSession } from '@hono/session';
import { Hono, type MiddlewareHandler } from 'hono';
import { CookieStore as HSCookieStore, MemoryStore as HSMemoryStore, sessionMiddleware, type Session as HSSession } from 'hono-sessions';
import { CookieStore, createSessionManager, MemoryStore, type Session } from '../src/index.ts';
import { browserClient } from './client.ts';
import { compare } from './harness.ts';

const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';
type Data = { n?: number };

function tessera(store: MemoryStore | CookieStore) {
  const manager = createSessionManager<Data>({ secrets: SECRET, store });
  const counter = manager.handle<unknown>(async (_request, _env, _ctx, session) => {
    session.set('n', ((await session.get('n')) ?? 0) + 1);
    return new Response('ok');
  });
  return { manager, counter: (r: Request) => counter(r, undefined, undefined) };
}

/** The same Tessera session, mounted in Hono by hand (the middleware comes with tessera/hono). */
function tesseraInHono(store: MemoryStore | CookieStore) {
  const { manager } = tessera(store);
  const app = new Hono<{ Variables: { session: Session<Data> } }>();
  const middleware: MiddlewareHandler<{ Variables: { session: Session<Data> } }> = async (c, next) => {
    const session = manager.load(c.req.raw);
    c.set('session', session);
    await next();
    c.res = await manager.commit(session, c.res);
  };
  app.use(middleware);
  app.get('/', async (c) => {
    const session = c.get('session');
    session.set('n', ((await session.get('n')) ?? 0) + 1);
    return c.text('ok');
  });
  return (request: Request) => app.request(request);
}

function honoSessions(store: HSMemoryStore | HSCookieStore) {
  const app = new Hono<{ Variables: { session: HSSession<Data>; session_key_rotation: boolean } }>();
  app.use(
    '*',
    sessionMiddleware({ store, encryptionKey: SECRET, expireAfterSeconds: 900, cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true } }),
  );
  app.get('/', (c) => {
    const session = c.get('session');
    session.set('n', (session.get('n') ?? 0) + 1);
    return c.text('ok');
  });
  return (request: Request) => app.request(request);
}

function honoSession() {
  const app = new Hono();
  app.use(useSession<Data>({ secret: 'a'.repeat(64), duration: { absolute: 3600 } }) as MiddlewareHandler);
  app.get('/', async (c) => {
    const session = (c.var as { session: { get(): Promise<Data | null>; update(d: Data): Promise<void> } }).session;
    const data = await session.get();
    await session.update({ n: (data?.n ?? 0) + 1 });
    return c.text('ok');
  });
  return (request: Request) => app.request(request);
}

export async function benchSession(): Promise<void> {
  const memory = tessera(new MemoryStore());
  const cookie = tessera(new CookieStore());
  const targets = (peers: string[]) => peers.map((peer) => ({ peer, maxRatio: 1 / 5 }));

  await compare(
    'session request (read + write a counter), memory store',
    {
      'tessera MemoryStore (handle)': browserClient(memory.counter),
      'tessera MemoryStore (in Hono)': browserClient(tesseraInHono(new MemoryStore())),
      'hono-sessions MemoryStore + encryption': browserClient(honoSessions(new HSMemoryStore())),
    },
    targets(['hono-sessions MemoryStore + encryption']),
  );
  await compare(
    'session request (read + write a counter), cookie store',
    {
      'tessera CookieStore (handle)': browserClient(cookie.counter),
      'tessera CookieStore (in Hono)': browserClient(tesseraInHono(new CookieStore())),
      'hono-sessions CookieStore': browserClient(honoSessions(new HSCookieStore())),
      '@hono/session (JWE cookie)': browserClient(honoSession()),
    },
    targets(['hono-sessions CookieStore', '@hono/session (JWE cookie)']),
  );

  // The engine alone, no HTTP objects built per request: what a request that
  // reads and writes its session costs on top of the framework.
  const returning = await (async () => {
    const first = memory.manager.load(new Request('https://bench.example/'));
    first.set('n', 0);
    const cookie = (await memory.manager.commit(first, new Response())).headers.getSetCookie()[0]!.split(';')[0]!;
    return new Request('https://bench.example/', { headers: { cookie } });
  })();
  const ready = new Response('ok');
  await compare('engine only: load + get + set + commit, MemoryStore', {
    'tessera (returning client)': async () => {
      const session = memory.manager.load(returning);
      session.set('n', ((await session.get('n')) ?? 0) + 1);
      await memory.manager.commit(session, ready);
    },
  });

  // What an untouched session costs: load + commit around a ready response,
  // against just awaiting it (Request/Response construction is left out: it
  // costs the same with or without sessions and would drown the difference).
  const request = new Request('https://bench.example/', { headers: { cookie: '__Host-sid=abc.def; theme=dark' } });
  const response = new Response('ok');
  const times = await compare('request that never touches its session', {
    'tessera load + commit (untouched)': async () => memory.manager.commit(memory.manager.load(request), response),
    'baseline: await the response': async () => Promise.resolve(response),
  });
  const overhead = times.get('tessera load + commit (untouched)')! - times.get('baseline: await the response')!;
  console.log(`  untouched-session overhead: ${(overhead / 1000).toFixed(2)} µs per request (target < 2 µs)`);
}
