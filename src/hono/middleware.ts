/**
 * `session()`: loads a lazy Tessera session per request into `c.var.session`
 * and commits it onto `c.res` after the handler.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { crossOriginAllowed, type CrossOriginPolicy } from '../session/guards/cross-origin.ts';
import { isSafeMethod } from '../session/csrf.ts';
import { internalsOf } from '../session/manager.ts';
import { MANAGER_OPTION_NAMES } from '../session/options/options.ts';
import { checkOptionNames } from '../util/options.ts';
import { allowsCrossOrigin } from './cross-origin.ts';
import { claimContextKey, checkName } from './named.ts';
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
  checkOptionNames('session', options, [...MANAGER_OPTION_NAMES, 'name']);
  const { store, name: _name, ...rest } = options;
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
  options?: { name?: string },
): MiddlewareHandler<SessionEnv<Data, { flash: FlashOf<Data, Types> }>>;
export function session(
  options: SessionOptions<Env> | SessionManager,
  managerOptions?: { name?: string },
): MiddlewareHandler {
  // A ready manager gets the bindings (like `manager.handle`); one made here
  // gets the whole context, so `store: (c) => …` sees `c.env` and `c.var`.
  const ready = isManager(options);
  if (ready && managerOptions !== undefined) checkOptionNames('session', managerOptions, ['name']);
  const manager: SessionManager<SessionShape, { env: unknown }> = ready
    ? options
    : managerFor(options as SessionOptions<Env>);
  const name = checkName(ready ? managerOptions?.name : (options as SessionOptions<Env>).name, options);
  const internals = internalsOf(manager);
  const policy: CrossOriginPolicy | undefined = internals?.crossOrigin;

  return async function tesseraSession(c, next) {
    // Mounted twice on one request (a parent app and a sub-app): the same
    // manager is the same session, once; another manager under the same
    // key or cookie name is a conflict that would lose data — refuse it.
    if (claimContextKey(c, name, manager, internals?.shared) === 'already') return next();
    const env = ready ? c.env : c;
    // The first request per env checks secrets and bindings (and the store it made serves it).
    const current =
      internals === undefined
        ? manager.load(c.req.raw, env)
        : internals.load(c.req.raw, env, internals.checkSetup(c.req.raw, env, c.env));
    c.set(name, current);
    if (
      policy?.protect &&
      !isSafeMethod(c.req.method) &&
      !allowsCrossOrigin(c) &&
      !(await crossOriginAllowed(current, c.req.raw, policy, 'allow'))
    ) {
      // Fetch Metadata / Origin said another site sent it (OWASP CSRF cheat sheet).
      throw new HTTPException(403, { message: 'Forbidden: cross-origin request' });
    }
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
