/**
 * Cross-origin request protection, on by default in `manager.handle()` and
 * the Hono `session()` middleware, the way Go 1.25's
 * `http.CrossOriginProtection` does it: a browser says where a request comes
 * from in `Sec-Fetch-Site` (W3C Fetch Metadata), older ones in `Origin`
 * (RFC 6454 §7, Fetch §3.1), and a state-changing request another site made
 * is refused before the handler runs (OWASP CSRF Prevention Cheat Sheet,
 * "Fetch Metadata headers" and "Verifying origin with standard headers").
 * Nothing to call, so nothing to forget to `await`.
 */
import { currentToken, isSafeMethod, verifyCsrf, type CsrfSession } from '../csrf.ts';
import type { Session } from '../types.ts';

/** What the headers alone say about a request. */
export type OriginVerdict = 'allow' | 'refuse' | 'unknown';

/** The cross-origin policy of a manager, resolved. */
export interface CrossOriginPolicy {
  /** false: `crossOrigin: 'allow'`, no check at all. */
  readonly protect: boolean;
  /** Serialized origins (`https://app.example`) whose requests are let through. */
  readonly trusted: ReadonlySet<string>;
}

/** Per-route choices of `handle(handler, { crossOrigin })` and the Hono `allowCrossOrigin()`. */
export type CrossOriginMode = 'protect' | 'allow';

/** Checks the `crossOrigin` and `trustedOrigins` options; throws naming the option at fault. */
export function crossOriginPolicyOf(
  mode: unknown,
  trustedOrigins: unknown,
  caller = 'createSessionManager',
): CrossOriginPolicy {
  if (mode !== undefined && mode !== 'protect' && mode !== 'allow') {
    throw new TypeError(`${caller}: option crossOrigin must be "protect" (the default) or "allow"`);
  }
  const trusted = new Set<string>();
  if (trustedOrigins !== undefined) {
    if (!Array.isArray(trustedOrigins)) {
      throw new TypeError(
        `${caller}: option trustedOrigins must be an array of origins like "https://app.example"`,
      );
    }
    for (const origin of trustedOrigins) trusted.add(originOf(origin, caller));
  }
  return { protect: mode !== 'allow', trusted };
}

/** An origin as browsers serialize it in the `Origin` header: scheme://host[:port], nothing else. */
function originOf(value: unknown, caller: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  // Only scheme://host[:port] (a trailing slash tolerated): a path, query or
  // credentials would never match an Origin header, so they are a mistake.
  const rest =
    typeof value === 'string' ? value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/$/, '') : '';
  if (url === undefined || url.origin === 'null' || /[/?#@]/.test(rest)) {
    throw new TypeError(
      `${caller}: option trustedOrigins: ${JSON.stringify(value)} is not an origin; write scheme://host[:port] with no path, e.g. "https://app.example"`,
    );
  }
  return url.origin;
}

/**
 * What `Sec-Fetch-Site` and `Origin` say about `request` (Go's
 * `CrossOriginProtection.Check`): safe methods pass (RFC 9110 §9.2.1);
 * `same-origin` and `none` (the user typed it) pass, `same-site` and
 * `cross-site` are refused; without `Sec-Fetch-Site` an `Origin` must name
 * the request's own host; with neither header the browser told nothing
 * (`unknown`: a non-browser client, or a very old browser).
 */
export function originVerdict(request: Request, policy: CrossOriginPolicy): OriginVerdict {
  if (isSafeMethod(request.method)) return 'allow';
  const headers = request.headers;
  const origin = headers.get('origin');
  const site = headers.get('sec-fetch-site');
  if (site !== null) {
    if (site === 'same-origin' || site === 'none') return 'allow';
    return origin !== null && policy.trusted.has(origin.toLowerCase()) ? 'allow' : 'refuse';
  }
  if (origin === null) return 'unknown';
  if (policy.trusted.has(origin.toLowerCase())) return 'allow';
  try {
    return new URL(origin).host === new URL(request.url).host ? 'allow' : 'refuse';
  } catch {
    return 'refuse'; // `Origin: null` (sandboxed, privacy-sensitive contexts) or garbage
  }
}

/**
 * Whether the request may reach the handler. Sessions that travel in a
 * header are exempt (a browser never attaches that header cross-site
 * without a CORS preflight). When the headers say nothing, a session that
 * has a CSRF token must get it back (`verifyCsrf`), as the app evidently
 * uses tokens (the `x-csrf-token` header or `_csrf` field); one without a
 * token is let through, as Go does. `fallback: 'allow'` leaves that case to
 * a token check of the app's own (the Hono `csrf()` middleware).
 */
export async function crossOriginAllowed(
  session: Session<any, any>,
  request: Request,
  policy: CrossOriginPolicy,
  fallback: 'token' | 'allow' = 'token',
): Promise<boolean> {
  // Safe methods first: a GET costs no cookie parse and no header lookup.
  if (!policy.protect || isSafeMethod(request.method) || session.transport === 'header') return true;
  const verdict = originVerdict(request, policy);
  if (verdict !== 'unknown') return verdict === 'allow';
  // Hono apps that use tokens mount csrf(), which checks them with its own names.
  if (fallback === 'allow' || (await currentToken(session as CsrfSession)) === null) return true;
  return verifyCsrf(session, request);
}

/** The answer to a refused request. */
export function crossOriginRefusal(): Response {
  return new Response('Forbidden: cross-origin request', {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
