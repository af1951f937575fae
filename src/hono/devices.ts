/**
 * "Your devices" and re-authentication for Hono, from the request's context:
 * the current user's sessions listed, one revoked, all others revoked ("sign
 * out everywhere else"), and `requireFresh()` for sensitive routes.
 */
import type { Context, Env, Input, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Session, SessionInfo } from '../session/index.ts';
import { managerOf } from '../session/manager.ts';
import { getSession } from './context.ts';
import { checkMaxAge, checkRedirect, freshRedirectTarget } from '../session/guards/route.ts';
import { checkOptionNames } from '../util/options.ts';

function bound<E extends Env, P extends string, I extends Input>(c: Context<E, P, I>, caller: string) {
  const current = getSession(c) as Session;
  const manager = managerOf(current);
  if (manager === undefined) throw new Error(`${caller}: no session() middleware ran for this request`);
  return { current, manager };
}

/** The current user's live sessions, most recently used first, the request's own marked `current`. Empty when logged out. */
export async function listSessions<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
): Promise<SessionInfo[]> {
  const { current, manager } = bound(c, 'listSessions');
  const { userId } = await current.info();
  return userId === undefined ? [] : manager.listSessions(userId, { current, request: c.req.raw });
}

/**
 * Revokes one of the current user's sessions by its handle (from a form or a
 * URL: untrusted, so only a session of this user is ever revoked). Resolves
 * to whether one was.
 */
export async function revokeSession<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
  handle: string,
): Promise<boolean> {
  const { current, manager } = bound(c, 'revokeSession');
  const { userId } = await current.info();
  if (userId === undefined) return false;
  return manager.revokeSession(handle, { current, userId, request: c.req.raw });
}

/** Revokes every session of the current user but this one ("sign out everywhere else"); resolves to how many. */
export async function revokeOtherSessions<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
): Promise<number> {
  const { current, manager } = bound(c, 'revokeOtherSessions');
  return manager.revokeOtherSessions(current);
}

/** Options of {@link requireFresh}. */
export interface RequireFreshOptions {
  /** Where to send a stale session (e.g. a password prompt); the original path goes in `?next=`. Default: answer 401. */
  redirect?: string;
  /** Which session to check, by its `session({ name })`. Default `session`. */
  session?: string;
}

/**
 * Lets a request through only when its session authenticated within the last
 * `maxAge` seconds (a login, or `regenerate()` after re-entering the
 * password): OWASP asks for re-authentication before changing a password or
 * deleting an account. Otherwise a 401 `HTTPException`, or a redirect.
 */
export function requireFresh<E extends Env = Env>(
  maxAge: number,
  options: RequireFreshOptions = {},
): MiddlewareHandler<E> {
  checkMaxAge(maxAge, 'requireFresh');
  checkOptionNames('requireFresh', options, ['redirect', 'session']);
  const redirect = checkRedirect(options.redirect, 'requireFresh');
  const name = options.session;
  return async function tesseraRequireFresh(c, next) {
    if (await (getSession(c, name) as Session).isFresh(maxAge)) return next();
    if (redirect === undefined) {
      throw new HTTPException(401, { message: 'Please sign in again to continue' });
    }
    return c.redirect(freshRedirectTarget(c.req.url, redirect), 303);
  };
}
