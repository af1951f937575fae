/**
 * `csrf()`: session-bound CSRF tokens for Hono (OWASP CSRF Prevention Cheat
 * Sheet, synchronizer token pattern). Pages ask for the token with
 * `csrfToken(c)`; every request with a method other than GET, HEAD or
 * OPTIONS must send it back in a header or a form field, whatever its
 * Content-Type (a missing one included), or gets a 403.
 *
 * It complements Hono's `hono/csrf` (an Origin / Sec-Fetch-Site check that
 * only looks at form-like Content-Types): use both.
 */
import type { Context, Env, Input, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { BlankEnv } from 'hono/types';
import {
  csrfNames,
  currentToken,
  ensureToken,
  isFormBody,
  isSafeMethod,
  tokensMatch,
  type CsrfOptions,
  type CsrfSession,
} from '../session/csrf.ts';
import { getSession } from './context.ts';

export type { CsrfOptions };

function sessionOf<E extends Env, P extends string, I extends Input>(c: Context<E, P, I>): CsrfSession {
  return getSession(c) as unknown as CsrfSession;
}

/**
 * The session's CSRF token for a page to embed (a hidden `_csrf` field, or a
 * `<meta>` that scripts copy into the `x-csrf-token` header). Created on first
 * use, so sessions whose pages render no form are never written for it. The
 * token is bound to the session id: after `regenerate()` (login) or
 * `destroy()` the old one stops working and the next call issues a new one.
 *
 * Needs `session()` to have run for the request.
 */
export function csrfToken<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
): Promise<string> {
  return ensureToken(sessionOf(c));
}

/** The token the request carries: the header, else the form field of a form body (parsed and cached by Hono). */
async function submittedToken<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
  headerName: string,
  fieldName: string,
): Promise<string | null> {
  const header = c.req.header(headerName);
  if (header !== undefined) return header;
  // Other bodies (JSON, text/plain, none) cannot carry the field: they need the header.
  if (!isFormBody(c.req.header('content-type'))) return null;
  try {
    // Hono caches the parsed body, so the handler can still read it.
    const field = (await c.req.parseBody())[fieldName];
    return typeof field === 'string' ? field : null;
  } catch {
    return null; // a malformed body is a missing token, not a 500
  }
}

/**
 * Rejects, with a 403 `HTTPException` (so `app.onError` sees it), any request
 * whose method is not GET, HEAD or OPTIONS and that does not carry the
 * session's CSRF token in the `x-csrf-token` header or the `_csrf` form
 * field. Mount it after `session()`.
 *
 * @throws TypeError at construction for a bad `headerName` or `fieldName`.
 */
export function csrf<E extends Env = BlankEnv>(options: CsrfOptions = {}): MiddlewareHandler<E> {
  const { headerName, fieldName } = csrfNames(options, 'csrf');

  return async function tesseraCsrf(c, next) {
    // Header-borne sessions need no token: no browser sends that header cross-site.
    if (isSafeMethod(c.req.method) || sessionOf(c).transport === 'header') return next();
    // The session first: without one there is no token to match, and no body to parse.
    const expected = await currentToken(sessionOf(c));
    const submitted = expected === null ? null : await submittedToken(c, headerName, fieldName);
    if (expected === null || submitted === null || !(await tokensMatch(expected, submitted))) {
      throw new HTTPException(403, { message: 'Forbidden: missing or invalid CSRF token' });
    }
    return next();
  };
}
