/**
 * `createSessionManager`: loads a lazy session per request and commits it
 * onto the response. Works with any fetch-style handler.
 */
import type { CommitPlan, CommitResult } from './contracts.ts';
import { StoreKeys } from './id.ts';
import type { CookieStore } from './backend/cookie.ts';
import { MemoryStore } from './memory-store.ts';
import { resolveOptions, type SessionManagerOptions } from './options/options.ts';
import { checkStore, cookieSpecFor, RequestState, type ManagerShared } from './request-state.ts';
import { applyHeaders } from '../cookie/cache-control.ts';
import { SessionImpl } from './session.ts';
import { deviceCalls, type RevokeSessionOptions, type StoreCallOptions } from './devices.ts';
import { afterCommit, reportRevoked } from './lifecycle.ts';
import { isIdle } from './plan.ts';
import { keepsSessionsInCookies } from './contracts.ts';
import { crossOriginAllowed, crossOriginRefusal, type CrossOriginPolicy } from './guards/cross-origin.ts';
import { routeOptionsOf, staleAnswer, type RouteOptions } from './guards/route.ts';
import { warnInsecureCookie } from './guards/proxy.ts';
import { setupCheck } from './options/setup-check.ts';
import { hintSharedCookie, registerCookieNames } from './guards/shared-cookies.ts';
import type {
  EnvOf,
  FlashOf,
  Session,
  SessionInfo,
  SessionShape,
  SessionStore,
  SessionTypes,
} from './types.ts';

/** A fetch handler that also receives the request's session. */
export type SessionHandler<Data extends SessionShape, Flash extends SessionShape, Env, Ctx> = (
  request: Request,
  env: Env,
  ctx: Ctx,
  session: Session<Data, Flash>,
) => Response | Promise<Response>;

/**
 * The fetch handler `handle()` returns. Without a typed `env` (Deno, Bun,
 * Node) the `env` and `ctx` arguments are optional: `Deno.serve(app)`.
 */
export type FetchHandler<Env, Ctx> = (
  request: Request,
  ...rest: unknown extends Env ? [env?: Env, ctx?: Ctx] : [env: Env, ctx: Ctx]
) => Promise<Response>;

/** Made by {@link createSessionManager}. */
export interface SessionManager<Data extends SessionShape = SessionShape, Types extends SessionTypes = {}> {
  /** The request's session. Lazy: nothing is verified or read until it is used. */
  load(request: Request, env?: EnvOf<Types>): Session<Data, FlashOf<Data, Types>>;
  /**
   * Writes what the request did to the store and adds at most one session
   * Set-Cookie (none when nothing changed). Returns `target`, or a copy of
   * a Response whose headers were immutable. `context` (a Workers
   * `ExecutionContext`) keeps background hooks alive after the response.
   */
  commit<T extends Response | Headers>(
    session: Session<Data, FlashOf<Data, Types>>,
    target: T,
    context?: { waitUntil(promise: Promise<unknown>): void },
  ): Promise<T>;
  /**
   * Wraps a fetch handler: loads the session, runs the handler, commits.
   * Before the handler it checks the configuration once per `env` (a missing
   * secret or binding fails the first request, with a message saying what
   * to set) and refuses cross-origin state-changing requests with a 403
   * (the manager's `crossOrigin` option; `{ crossOrigin: 'allow' }` here
   * for one route). `{ requireFresh: seconds }` answers 401 (or redirects)
   * unless the session authenticated that recently.
   */
  handle<Ctx = unknown>(
    handler: SessionHandler<Data, FlashOf<Data, Types>, EnvOf<Types>, Ctx>,
    options?: RouteOptions,
  ): FetchHandler<EnvOf<Types>, Ctx>;
  /** The user's live sessions, most recently used first ("your devices"). Needs a store that lists by user. */
  listSessions(userId: string, options?: StoreCallOptions<EnvOf<Types>>): Promise<SessionInfo[]>;
  /**
   * Revokes one session by its handle; with `userId` (or `current`, whose
   * user it then must be, unless `anyUser`), only if it belongs to that user
   * — pass one when the handle comes from a client. Resolves to whether a
   * session was revoked; an unknown or malformed handle is false.
   */
  revokeSession(handle: string, options?: RevokeSessionOptions<EnvOf<Types>>): Promise<boolean>;
  /**
   * Revokes every session of a user — but `except` (a handle, usually the
   * current session's: "sign out everywhere else"). Resolves to how many.
   */
  revokeUserSessions(
    userId: string,
    options?: StoreCallOptions<EnvOf<Types>> & { except?: string },
  ): Promise<number>;
  /**
   * Revokes every session of `session`'s user but `session` itself ("sign
   * out everywhere else"); resolves to how many. 0 when nobody is signed in.
   */
  revokeOtherSessions(session: Session<Data, FlashOf<Data, Types>>): Promise<number>;
}

/**
 * Creates a session manager: ids signed in a `__Host-` cookie (HttpOnly,
 * Secure, SameSite=Lax, Path=/), data in a store keyed by SHA-256 of the id,
 * idle and absolute timeouts enforced on the server.
 *
 * @throws TypeError at construction for a missing or short secret, bad
 *   timeouts or cookie options — the message names the option.
 */
export function createSessionManager<
  Data extends SessionShape = SessionShape,
  Types extends SessionTypes = {},
>(options: SessionManagerOptions<EnvOf<Types>>): SessionManager<Data, Types> {
  type Env = EnvOf<Types>;
  type Flash = FlashOf<Data, Types>;
  const resolved = resolveOptions(options, () => new MemoryStore());
  // A store given as an object is checked now; one made per request, when it is made.
  if (typeof resolved.store !== 'function') checkStore(resolved.store, resolved);
  const bound = resolved.deviceBoundSessions;
  // Most apps use neither: their commits skip the lifecycle step entirely.
  const hasLifecycleWork =
    resolved.maxSessionsPerUser !== undefined || Object.keys(resolved.hooks.hooks).length > 0;
  const shared: ManagerShared<Env> = {
    options: resolved,
    keys: new StoreKeys(),
    secureCookie: cookieSpecFor('https:', resolved.cookie),
    plainCookie: cookieSpecFor('http:', resolved.cookie),
  };
  const checkSetup = setupCheck(resolved);

  function load(request: Request, env?: Env, store?: SessionStore | CookieStore): Session<Data, Flash> {
    return new SessionImpl<Data, Flash>(new RequestState(shared, request, env as Env, store));
  }

  /** The request state behind a session of this manager, or a TypeError. */
  function stateOf(session: Session<any, any>, caller: string): RequestState<Env> {
    const state = session instanceof SessionImpl ? session.source : undefined;
    if (!(state instanceof RequestState) || state.shared !== shared) {
      throw new TypeError(`${caller}: the session was not loaded by this manager`);
    }
    return state as RequestState<Env>;
  }

  async function commit<T extends Response | Headers>(
    session: Session<Data, Flash>,
    target: T,
    context?: unknown,
  ): Promise<T> {
    const state = stateOf(session, 'commit');
    const impl = session as SessionImpl<Data, Flash>;
    impl.close();
    if (!impl.touched) return target;
    let plan: CommitPlan;
    let result: CommitResult;
    try {
      const planned = impl.plan();
      plan = planned instanceof Promise ? await planned : planned;
      // A request that only read (the usual one) leaves the backend nothing to
      // do, unless the read cache is to be filled from what it read.
      // An in-process store commits without waiting (backend.commitNow); others asynchronously.
      const backend = isIdle(plan) && state.readCache === undefined ? undefined : state.backend;
      result =
        backend === undefined ? IDLE_RESULT : (backend.commitNow?.(plan) ?? (await backend.commit(plan)));
    } catch (error) {
      impl.abandon();
      throw error;
    }
    if (impl.verdict === 'invalid' && state.transport === 'cookie') hintSharedCookie(state.cookie.name);
    impl.committed(plan, result);
    if (result.setCookies.length > 0 && !state.cookie.attributes.secure)
      warnInsecureCookie(state.request.url, resolved.trustProxy);
    if (hasLifecycleWork) {
      await afterCommit({
        plan,
        result,
        store: state.store,
        request: state.request,
        now: state.policy.now,
        maxSessionsPerUser: resolved.maxSessionsPerUser,
        hooks: resolved.hooks,
        context,
      });
    }
    const out =
      result.setCookies.length === 0 && !plan.noStore
        ? target
        : applyHeaders(target, result.setCookies, plan.noStore);
    return bound ? bound.committed(state, plan, result, out) : out;
  }

  /** The DBSC endpoints' answer when the request is for one (the `deviceBoundSessions` option). */
  function serveDeviceBound(session: Session<any, any>): Promise<Response> | undefined {
    return bound?.serve(stateOf(session, 'handle'));
  }

  function handle<Ctx>(
    handler: SessionHandler<Data, Flash, Env, Ctx>,
    options?: RouteOptions,
  ): FetchHandler<Env, Ctx> {
    if (typeof handler !== 'function') throw new TypeError('handle: the handler must be a function');
    const route = routeOptionsOf(options);
    const policy = route.crossOrigin === 'allow' ? ALLOW_ALL : resolved.crossOrigin;
    const fetch = async (request: Request, env?: Env, ctx?: Ctx): Promise<Response> => {
      // The first request per env checks secrets and bindings (and the store it made serves it).
      const session = load(request, env, checkSetup(request, env as Env, env));
      if (!(await crossOriginAllowed(session, request, policy))) return crossOriginRefusal();
      const endpoint = bound && serveDeviceBound(session);
      if (endpoint) return endpoint;
      if (route.fresh !== undefined && !(await session.isFresh(route.fresh.maxAge))) {
        return commit(session, staleAnswer(request, route.fresh.redirect), ctx);
      }
      const response = await handler(request, env as Env, ctx as Ctx, session);
      return commit(session, response, ctx);
    };
    return fetch as FetchHandler<Env, Ctx>;
  }

  /** The store for a call outside the commit path. */
  function storeFor(options: StoreCallOptions<Env>, caller: string): SessionStore {
    const store = options.current
      ? stateOf(options.current, caller).store
      : typeof resolved.store === 'function'
        ? resolved.store(options.request ?? new Request('https://tesserajs.invalid/'), options.env as Env)
        : resolved.store;
    if (keepsSessionsInCookies(store)) {
      throw new TypeError(
        `${caller}: sessions kept in cookies cannot be listed or revoked (use a server-side store)`,
      );
    }
    return store as SessionStore;
  }

  const devices = deviceCalls<Env>({
    now: resolved.now,
    hearsRevocations: resolved.hooks.hooks.revoked !== undefined,
    revoked: (handles, userId, request) => reportRevoked(resolved.hooks, handles, userId, request),
    storeFor,
  });

  async function revokeOtherSessions(session: Session<Data, Flash>): Promise<number> {
    stateOf(session, 'revokeOtherSessions');
    const { userId, handle } = await session.info();
    if (userId === undefined) return 0;
    return devices.revokeUserSessions(userId, { current: session, except: handle });
  }

  const manager: SessionManager<Data, Types> = {
    load,
    commit,
    handle,
    ...devices,
    revokeOtherSessions,
  };
  shared.manager = manager;
  registerCookieNames([shared.secureCookie.name, shared.plainCookie.name]);
  internals.set(manager, { checkSetup, load, crossOrigin: resolved.crossOrigin, shared, serveDeviceBound });
  return manager;
}

/**
 * @internal The manager that loaded `session`, or undefined for anything
 * else. For middleware that needs the manager later in the request: the
 * session already knows it, so nothing is recorded per request.
 */
export function managerOf(session: unknown): SessionManager<any, any> | undefined {
  const state = session instanceof SessionImpl ? session.source : undefined;
  return state instanceof RequestState
    ? (state.shared.manager as SessionManager<any, any> | undefined)
    : undefined;
}

/** What adapters need from a manager beyond its public calls. */
export interface ManagerInternals {
  /** Checks secrets and the store function once per `bindings` object; throws saying what to set. */
  checkSetup(request: Request, env: unknown, bindings: unknown): SessionStore | CookieStore | undefined;
  /** `load`, with the store the setup check made for this request. */
  load(request: Request, env: unknown, store: SessionStore | CookieStore | undefined): Session<any, any>;
  crossOrigin: CrossOriginPolicy;
  shared: ManagerShared<any>;
  /** The DBSC endpoints' answer when the request is for one. */
  serveDeviceBound(session: Session<any, any>): Promise<Response> | undefined;
}

const internals = new WeakMap<object, ManagerInternals>();

/** @internal For the Hono middleware: the manager's setup check and cross-origin policy. */
export function internalsOf(manager: object): ManagerInternals | undefined {
  return internals.get(manager);
}

const ALLOW_ALL: CrossOriginPolicy = { protect: false, trusted: new Set() };

/** What a backend answers to an idle plan: no cookie, nothing written or removed (frozen: shared by every request). */
const IDLE_RESULT: CommitResult = Object.freeze({
  setCookies: Object.freeze([]) as unknown as string[],
  live: undefined,
  startedOver: false,
  removed: Object.freeze([]) as unknown as string[],
});
