/**
 * `session()`: loads a lazy Tessera session per request into `c.var.session`
 * and commits it onto `c.res` after the handler.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import {
  createSessionManager,
  type FlashOf,
  type SessionManager,
  type SessionShape,
  type SessionTypes,
  type StoreOption,
} from '../session/index.ts';
import { replaceResponse } from './context.ts';
import type { SessionAppEnv, SessionEnv, SessionOptions } from './types.ts';

function isManager(value: unknown): value is SessionManager {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'load' | 'commit' | 'handle', unknown>>;
  return (
    typeof candidate.load === 'function' &&
    typeof candidate.commit === 'function' &&
    typeof candidate.handle === 'function'
  );
}

/** A manager whose store function receives the Hono context as its `env`. */
function managerFor<E extends Env>(
  options: SessionOptions<E>,
): SessionManager<SessionShape, { env: Context<E> }> {
  if (options === null || typeof options !== 'object') throw new TypeError('session: options are required');
  const { store, ...rest } = options;
  const adapted: StoreOption<Context<E>> | undefined =
    typeof store === 'function' ? (_request, c) => store(c) : store;
  return createSessionManager<SessionShape, { env: Context<E> }>(
    adapted === undefined ? rest : { ...rest, store: adapted },
  );
}

/**
 * Session middleware for Hono. Takes the options of `createSessionManager`
 * (a `store` function receives the Hono context: `store: (c) => new
 * KVStore(c.env.SESSIONS)`), or a ready manager (its store function receives
 * `c.env`, as with `manager.handle` in a Worker).
 *
 * After `await next()` it appends the session's Set-Cookie to `c.res` —
 * keeping every Set-Cookie the handler set — only when the request changed
 * the session. When the handler threw (`c.error` is set) it commits nothing:
 * the error reaches `app.onError` and no write is made.
 *
 * Give it your app's env — `session<AppEnv>(…)` with `type AppEnv =
 * SessionEnv<Data, { bindings: Bindings }>`, so `c.env` is typed in `secrets`
 * and `store` functions — or, for an app without bindings, just the data
 * shape: `new Hono().use(session<Data>(…))`.
 *
 * @throws TypeError at construction for bad options (the message names the option).
 */
export function session<T extends SessionShape | Env = SessionShape>(
  options: SessionOptions<SessionAppEnv<T>>,
): MiddlewareHandler<SessionAppEnv<T>>;
export function session<Data extends SessionShape, Types extends SessionTypes>(
  manager: SessionManager<Data, Types>,
): MiddlewareHandler<SessionEnv<Data, { flash: FlashOf<Data, Types> }>>;
export function session(options: SessionOptions<Env> | SessionManager): MiddlewareHandler {
  // A ready manager gets the bindings (like `manager.handle`); one made here
  // gets the whole context, so `store: (c) => …` sees `c.env` and `c.var`.
  const ready = isManager(options);
  const manager: SessionManager<SessionShape, { env: unknown }> = ready
    ? options
    : managerFor(options as SessionOptions<Env>);

  return async function tesseraSession(c, next) {
    const current = manager.load(c.req.raw, ready ? c.env : c);
    c.set('session', current);
    await next();
    // The handler threw and onError answered: commit nothing (its writes may
    // be half done), and keep onError's response untouched.
    if (c.error !== undefined) return;
    replaceResponse(c, await manager.commit(current, c.res, new LazyExecutionContext(c)));
  };
}

/**
 * Hands background hooks to the Workers `ExecutionContext` where the runtime
 * gives one. Looked up only when a hook runs: Hono's getter throws when there
 * is none (Node, Bun, `app.request` in tests), and an Error per request costs
 * more than the whole session.
 */
class LazyExecutionContext {
  readonly #c: Context;

  constructor(c: Context) {
    this.#c = c;
  }

  waitUntil(promise: Promise<unknown>): void {
    let context: { waitUntil(promise: Promise<unknown>): void } | undefined;
    try {
      context = this.#c.executionCtx;
    } catch {
      return; // no ExecutionContext: the hooks run on without it
    }
    context.waitUntil(promise);
  }
}
