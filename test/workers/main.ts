/**
 * The Worker that workerd tests run beside: it exports the Durable Object
 * class and a small session app whose store is picked per request, so tests
 * and benchmarks can go through `exports.default.fetch` like real traffic.
 */
import { createSessionManager, MemoryStore, readCache, type SessionStore } from '../../src/index.ts';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DurableObjectStore, SessionDurableObject } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';

export { SessionDurableObject };

export interface TestEnv {
  SESSIONS_KV: KVNamespace;
  SESSIONS_DO: DurableObjectNamespace<SessionDurableObject>;
  DB: D1Database;
}

const memory = new MemoryStore();

/** Store reads per store kind, for the read-cache bench (`/reads?store=…` answers and resets it). */
const reads = new Map<string, number>();

/** The store a request names, its reads counted. */
function storeFor(request: Request, env: TestEnv): SessionStore {
  const kind = new URL(request.url).searchParams.get('store') ?? 'memory';
  const store: SessionStore =
    kind === 'kv'
      ? new KVStore(env.SESSIONS_KV)
      : kind === 'do'
        ? new DurableObjectStore(env.SESSIONS_DO)
        : kind === 'd1'
          ? new D1Store(env.DB)
          : memory;
  const counted = Object.assign(Object.create(null) as object, {
    get: (key: string) => {
      reads.set(kind, (reads.get(kind) ?? 0) + 1);
      return store.get(key);
    },
  });
  return new Proxy(store, {
    get: (target, property) =>
      property === 'get'
        ? (counted as { get: SessionStore['get'] }).get
        : typeof Reflect.get(target, property) === 'function'
          ? (Reflect.get(target, property) as (...args: unknown[]) => unknown).bind(target)
          : Reflect.get(target, property),
  });
}

type Data = { userId?: string; n?: number };
const secrets = 'workerd-test-secret-0123456789-abcdefghij';

/** `?store=kv|do|d1|memory` picks the store; `/login?user=` logs in; `/logout`; `/` reads. */
const sessions = createSessionManager<Data, { env: TestEnv }>({ secrets, store: storeFor });
/** The same with the read cache on (`?cache=1`). */
const cachedSessions = createSessionManager<Data, { env: TestEnv }>({
  secrets,
  store: storeFor,
  readCache: readCache({ maxAge: 30 }),
});
/** The cache that also asks the store when the user was last revoked (`?cache=revocation`). */
const checkedSessions = createSessionManager<Data, { env: TestEnv }>({
  secrets,
  store: storeFor,
  readCache: readCache({ maxAge: 30, checkRevocation: true }),
});

const handler = (manager: typeof sessions) =>
  manager.handle<ExecutionContext>(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/login':
        await session.regenerate();
        session.set('userId', url.searchParams.get('user') ?? 'anonymous');
        return new Response('logged in');
      case '/logout':
        await session.destroy();
        return new Response('logged out');
      case '/count':
        session.increment('n');
        return new Response('counted');
      case '/key':
        session.set(url.searchParams.get('k') as 'userId', url.searchParams.get('v') ?? '');
        return new Response('set');
      case '/static':
        return new Response('static');
      default:
        return Response.json({
          userId: (await session.get('userId')) ?? null,
          n: (await session.get('n')) ?? 0,
        });
    }
  });

const plain = handler(sessions);
const cached = handler(cachedSessions);
const checked = handler(checkedSessions);

export default {
  fetch: (request, env, ctx) => {
    const url = new URL(request.url);
    if (url.pathname === '/reads') {
      const kind = url.searchParams.get('store') ?? 'memory';
      const count = reads.get(kind) ?? 0;
      reads.set(kind, 0);
      return Response.json(count);
    }
    const cache = url.searchParams.get('cache');
    return (cache === null ? plain : cache === 'revocation' ? checked : cached)(request, env, ctx);
  },
} satisfies ExportedHandler<TestEnv>;
