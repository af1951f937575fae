/**
 * `createSessionManager`: loads a lazy session per request and commits it
 * onto the response. Works with any fetch-style handler.
 */
import { appendSetCookie } from '../cookie/headers.ts';
import { StoreKeys } from './id.ts';
import { MemoryStore } from './memory-store.ts';
import { resolveOptions, type SessionManagerOptions } from './options.ts';
import { cookieSpecFor, RequestState, type ManagerShared } from './request-state.ts';
import { SessionImpl } from './session.ts';
import type { EnvOf, FlashOf, Session, SessionShape, SessionTypes } from './types.ts';

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
   * a Response whose headers were immutable.
   */
  commit<T extends Response | Headers>(session: Session<Data, FlashOf<Data, Types>>, target: T): Promise<T>;
  /** Wraps a fetch handler: loads the session, runs the handler, commits. */
  handle<Ctx = unknown>(
    handler: SessionHandler<Data, FlashOf<Data, Types>, EnvOf<Types>, Ctx>,
  ): FetchHandler<EnvOf<Types>, Ctx>;
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
  const shared: ManagerShared<Env> = {
    options: resolved,
    keys: new StoreKeys(),
    secureCookie: cookieSpecFor('https:', resolved.cookie),
    plainCookie: cookieSpecFor('http:', resolved.cookie),
  };

  function load(request: Request, env?: Env): Session<Data, Flash> {
    return new SessionImpl<Data, Flash>(new RequestState(shared, request, env as Env));
  }

  async function commit<T extends Response | Headers>(session: Session<Data, Flash>, target: T): Promise<T> {
    const state = session instanceof SessionImpl ? session.source : undefined;
    if (!(state instanceof RequestState) || state.shared !== shared) {
      throw new TypeError('commit: the session was not loaded by this manager');
    }
    const impl = session as SessionImpl<Data, Flash>;
    if (!impl.touched) return target;
    const plan = await impl.plan();
    const result = await state.backend.commit(plan);
    impl.committed(plan, result);
    if (result.setCookies.length === 0 && !plan.noStore) return target;
    return applyHeaders(target, result.setCookies, plan.noStore);
  }

  function handle<Ctx>(handler: SessionHandler<Data, Flash, Env, Ctx>): FetchHandler<Env, Ctx> {
    const fetch = async (request: Request, env?: Env, ctx?: Ctx): Promise<Response> => {
      const session = load(request, env);
      const response = await handler(request, env as Env, ctx as Ctx, session);
      return commit(session, response);
    };
    return fetch as FetchHandler<Env, Ctx>;
  }

  const manager: SessionManager<Data, Types> = { load, commit, handle };
  return manager;
}

/** Adds Set-Cookie lines and the cache rule to a Response or Headers. */
function applyHeaders<T extends Response | Headers>(target: T, lines: string[], noStore: boolean): T {
  const write = (headers: Headers) => {
    for (const line of lines) appendSetCookie(headers, line);
    if (noStore)
      headers.set('cache-control', 'no-store'); // logout: nothing of it is kept anywhere
    else keepPrivate(headers);
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

/** Cache-Control directives that let a shared cache store the response (RFC 9111 §5.2.2). */
const SHARED_CACHE_DIRECTIVES = new Set(['public', 's-maxage', 'proxy-revalidate']);
/** Cache-Control fields aimed at CDNs alone (RFC 9213), which would override `private` there. */
const CDN_CACHE_FIELDS = ['cdn-cache-control', 'cloudflare-cdn-cache-control', 'surrogate-control'];

/**
 * A response that sets a session cookie must never be stored by a shared
 * cache, which would hand one user's session to everyone (OWASP Session
 * Management, "Web Content Caching"). Without a Cache-Control it becomes
 * `private, no-store`; the app's own directives are kept, minus those for
 * shared caches, plus `private`. CDN-targeted cache fields are removed.
 */
function keepPrivate(headers: Headers): void {
  for (const field of CDN_CACHE_FIELDS) headers.delete(field);
  const current = headers.get('cache-control');
  if (current === null || current.trim() === '') {
    headers.set('cache-control', 'private, no-store');
    return;
  }
  const kept = current
    .split(',')
    .map((directive) => directive.trim())
    .filter(
      (directive) =>
        directive !== '' && !SHARED_CACHE_DIRECTIVES.has(directive.split('=', 1)[0]!.trim().toLowerCase()),
    );
  if (!kept.some((directive) => /^(private|no-store)$/i.test(directive.split('=', 1)[0]!.trim())))
    kept.unshift('private');
  headers.set('cache-control', kept.join(', '));
}
