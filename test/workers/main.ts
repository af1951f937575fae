/**
 * The Worker that workerd tests run beside: it exports the Durable Object
 * class and a small session app whose store is picked per request, so tests
 * and benchmarks can go through `exports.default.fetch` like real traffic.
 */
import { createSessionManager, MemoryStore, type SessionStore } from '../../src/index.ts';
import { D1Store } from '../../src/stores/d1.ts';
import { DurableObjectStore, SessionDurableObject } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv.ts';

export { SessionDurableObject };

export interface TestEnv {
  SESSIONS_KV: KVNamespace;
  SESSIONS_DO: DurableObjectNamespace<SessionDurableObject>;
  DB: D1Database;
}

const memory = new MemoryStore();

/** `?store=kv|do|d1|memory` picks the store; `/login?user=` logs in; `/logout`; `/` reads. */
const sessions = createSessionManager<{ userId?: string; n?: number }, { env: TestEnv }>({
  secrets: 'workerd-test-secret-0123456789-abcdefghij',
  store: (request, env): SessionStore => {
    const kind = new URL(request.url).searchParams.get('store');
    if (kind === 'kv') return new KVStore(env.SESSIONS_KV);
    if (kind === 'do') return new DurableObjectStore(env.SESSIONS_DO);
    if (kind === 'd1') return new D1Store(env.DB);
    return memory;
  },
});

export default {
  fetch: sessions.handle<ExecutionContext>(async (request, _env, _ctx, session) => {
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
  }),
} satisfies ExportedHandler<TestEnv>;
