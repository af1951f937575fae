/**
 * Per-route guards that answer by themselves, so that forgetting an `await`
 * cannot switch them off: `handle(handler, { crossOrigin, requireFresh })`
 * for plain fetch handlers; the Hono adapter builds `requireFresh()` on the
 * same pieces.
 */
import type { CrossOriginMode } from './cross-origin.ts';
import { checkOptionNames, isOptionsObject } from '../../util/options.ts';

/** Options of one route wrapped by `manager.handle(handler, options)`. */
export interface RouteOptions {
  /**
   * `'allow'` lets cross-origin state-changing requests reach this handler
   * (a webhook, a form other sites may post to). Default: the manager's
   * `crossOrigin` option, which protects.
   */
  crossOrigin?: CrossOriginMode;
  /**
   * Only sessions that authenticated within this many seconds reach the
   * handler (OWASP: re-authenticate before changing a password or deleting
   * an account); others get a 401, or a 303 redirect to `redirect` with the
   * original path in `?next=`.
   */
  requireFresh?: number | FreshOptions;
}

/** The long form of `requireFresh`. */
export interface FreshOptions {
  /** Seconds since the session last authenticated (login, or `regenerate()`). */
  maxAge: number;
  /** Where to send a stale session (e.g. a password prompt). Default: answer 401. */
  redirect?: string;
}

/** Checked route options. */
export interface ResolvedRoute {
  crossOrigin: CrossOriginMode | undefined;
  fresh: FreshOptions | undefined;
}

/** Throws unless `maxAge` is a positive whole number of seconds. */
export function checkMaxAge(maxAge: unknown, caller: string): number {
  if (!(typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge > 0)) {
    throw new TypeError(`${caller}: maxAge must be a positive whole number of seconds`);
  }
  return maxAge;
}

/** Throws unless `redirect` is undefined or a path / URL string. */
export function checkRedirect(redirect: unknown, caller: string): string | undefined {
  if (redirect !== undefined && (typeof redirect !== 'string' || redirect === '')) {
    throw new TypeError(`${caller}: option redirect must be a path such as "/reauthenticate"`);
  }
  return redirect;
}

/** Checks the options of `handle(handler, options)`; every message names the option. */
export function routeOptionsOf(options: RouteOptions | undefined): ResolvedRoute {
  if (options === undefined) return { crossOrigin: undefined, fresh: undefined };
  if (!isOptionsObject(options)) throw new TypeError('handle: the second argument must be an options object');
  checkOptionNames('handle', options, ['crossOrigin', 'requireFresh']);
  const { crossOrigin, requireFresh } = options;
  if (crossOrigin !== undefined && crossOrigin !== 'allow' && crossOrigin !== 'protect') {
    throw new TypeError('handle: option crossOrigin must be "allow" or "protect"');
  }
  let fresh: FreshOptions | undefined;
  if (typeof requireFresh === 'number')
    fresh = { maxAge: checkMaxAge(requireFresh, 'handle: option requireFresh') };
  else if (requireFresh !== undefined) {
    if (!isOptionsObject(requireFresh)) {
      throw new TypeError('handle: option requireFresh must be seconds or { maxAge, redirect? }');
    }
    checkOptionNames('handle', requireFresh, ['maxAge', 'redirect'], {}, 'requireFresh.');
    fresh = { maxAge: checkMaxAge(requireFresh.maxAge, 'handle: option requireFresh') };
    const redirect = checkRedirect(requireFresh.redirect, 'handle: requireFresh');
    if (redirect !== undefined) fresh.redirect = redirect;
  }
  return { crossOrigin, fresh };
}

/**
 * Where to send a stale session: `redirect` resolved against the request,
 * with the original path and query in `?next=`; same-origin targets as a
 * path, so the redirect never depends on a Host header.
 */
export function freshRedirectTarget(requestUrl: string, redirect: string): string {
  const url = new URL(requestUrl);
  const target = new URL(redirect, url);
  target.searchParams.set('next', url.pathname + url.search);
  return target.origin === url.origin ? target.pathname + target.search : target.href;
}

/** The answer to a request whose session is not fresh enough: 401, or a 303 to `redirect`. */
export function staleAnswer(request: Request, redirect: string | undefined): Response {
  if (redirect === undefined) {
    return new Response('Please sign in again to continue', {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  }
  return new Response(null, {
    status: 303,
    headers: { location: freshRedirectTarget(request.url, redirect) },
  });
}
