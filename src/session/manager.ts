/**
 * `createSessionManager`: loads a lazy session per request and commits it
 * onto the response. Works with any fetch-style handler.
 */
import { appendSetCookie } from '../cookie/headers.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { cookieHeaderOf, getCookie } from '../cookie/parse.ts';
import { cookieSpecFor, isSecureRequest, type RequestContext } from './context.ts';
import { CookieSessionIO, isCookieStore, type CookieStore } from './cookie-store.ts';
import { StoreKeys } from './id.ts';
import { MemoryStore } from './memory-store.ts';
import { resolveOptions, type SessionManagerOptions } from './options.ts';
import { commitToStore, loadFromStore } from './server-backend.ts';
import { SessionImpl, type LoadedSession } from './session.ts';
import type { DefaultFlash, Session, SessionShape, SessionStore } from './types.ts';

/** A fetch handler that also receives the request's session. */
export type SessionHandler<Data extends SessionShape, Flash extends SessionShape, Env, Ctx> = (
  request: Request,
  env: Env,
  ctx: Ctx,
  session: Session<Data, Flash>,
) => Response | Promise<Response>;

/** Made by {@link createSessionManager}. */
export interface SessionManager<Data extends SessionShape, Flash extends SessionShape, Env> {
  /** The request's session. Lazy: nothing is verified or read until it is used. */
  load(request: Request, env?: Env): Session<Data, Flash>;
  /**
   * Writes what the request did to the store and adds at most one session
   * Set-Cookie (none when nothing changed). Returns `target`, or a copy of
   * a Response whose headers were immutable.
   */
  commit<T extends Response | Headers>(session: Session<Data, Flash>, target: T): Promise<T>;
  /** Wraps a fetch handler: loads the session, runs the handler, commits. */
  handle<Ctx = unknown>(handler: SessionHandler<Data, Flash, Env, Ctx>): (request: Request, env: Env, ctx: Ctx) => Promise<Response>;
}

interface Internals {
  manager: object;
  context: RequestContext;
  store: () => SessionStore | CookieStore;
  cookies?: CookieSessionIO;
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
  Flash extends SessionShape = DefaultFlash<Data>,
  Env = unknown,
>(options: SessionManagerOptions<Env>): SessionManager<Data, Flash, Env> {
  const resolved = resolveOptions(options, () => new MemoryStore());
  const keys = new StoreKeys();
  const idle = resolved.idleTimeout * 1000;
  const absolute = resolved.absoluteTimeout * 1000;
  const touch = resolved.touchInterval * 1000;
  // The two cookie variants a request can pick, worked out once.
  const secureCookie = cookieSpecFor('https:', resolved.cookie);
  const plainCookie = cookieSpecFor('http:', resolved.cookie);

  function load(request: Request, env?: Env): Session<Data, Flash> {
    const cookie = isSecureRequest(request.url) ? secureCookie : plainCookie;
    let keyring: Keyring | undefined;
    const context: RequestContext = {
      request,
      clock: { now: resolved.now(), idleTimeout: idle, absoluteTimeout: absolute, touchInterval: touch, userField: resolved.userField },
      // Resolved on first use: a route that never touches its session never
      // calls a `secrets` function (which may throw when misconfigured).
      get keyring() {
        return (keyring ??= resolved.keyring(env as Env));
      },
      keys,
      cookie,
      absoluteTimeout: absolute,
    };
    let store: SessionStore | CookieStore | undefined;
    const storeOf = (): SessionStore | CookieStore =>
      (store ??= typeof resolved.store === 'function' ? resolved.store(request, env as Env) : resolved.store);
    const own: Internals = { manager, context, store: storeOf };
    const header = cookieHeaderOf(request);
    const hasCookie = header !== null && (getCookie(header, cookie.name) !== undefined || header.includes(cookie.firstChunk));
    return new SessionImpl<Data, Flash>(
      context.clock,
      hasCookie,
      (): Promise<LoadedSession | null> => {
        const target = storeOf();
        return isCookieStore(target) ? cookieIO(own, target).load() : loadFromStore(context, target);
      },
      own,
    );
  }

  async function commit<T extends Response | Headers>(session: Session<Data, Flash>, target: T): Promise<T> {
    const own = session instanceof SessionImpl ? (session.internals as Internals) : undefined;
    if (own?.manager !== manager) throw new TypeError('commit: the session was not loaded by this manager');
    const impl = session as SessionImpl<Data, Flash>;
    if (!impl.touched) return target;
    const headers = new Headers();
    const store = own.store();
    const noStore = isCookieStore(store)
      ? await cookieIO(own, store).commit(impl, headers)
      : await commitToStore(own.context, store, impl, headers);
    const lines = headers.getSetCookie();
    if (lines.length === 0 && !noStore) return target;
    return applyHeaders(target, lines, noStore);
  }

  function handle<Ctx>(handler: SessionHandler<Data, Flash, Env, Ctx>) {
    return async (request: Request, env: Env, ctx: Ctx): Promise<Response> => {
      const session = load(request, env);
      const response = await handler(request, env, ctx, session);
      return commit(session, response);
    };
  }

  const manager: SessionManager<Data, Flash, Env> = { load, commit, handle };
  return manager;
}

function cookieIO(own: Internals, store: CookieStore): CookieSessionIO {
  return (own.cookies ??= new CookieSessionIO(own.context, store));
}

/** Adds Set-Cookie lines (and no-store) to a Response or Headers. */
function applyHeaders<T extends Response | Headers>(target: T, lines: string[], noStore: boolean): T {
  const write = (headers: Headers) => {
    for (const line of lines) appendSetCookie(headers, line);
    // A response that sets a session cookie must not be stored by shared caches
    // (OWASP Session Management: Cache-Control for session responses); logout
    // always forbids caching.
    if (noStore) headers.set('cache-control', 'no-store');
    else if (!headers.has('cache-control')) headers.set('cache-control', 'private, no-store');
  };
  if (target instanceof Response) {
    try {
      write(target.headers);
      return target;
    } catch {
      // Immutable headers (a fetch() response): copy the response.
      const copy = new Response(target.body, target);
      write(copy.headers);
      return copy as T;
    }
  }
  write(target as Headers);
  return target;
}
