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
  const { userId, handle } = await current.info();
  if (userId === undefined) return 0;
  return manager.revokeUserSessions(userId, { current, except: handle, request: c.req.raw });
}

/** Options of {@link requireFresh}. */
export interface RequireFreshOptions {
  /** Where to send a stale session (e.g. a password prompt); the original path goes in `?next=`. Default: answer 401. */
  redirect?: string;
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
  if (!(Number.isInteger(maxAge) && maxAge > 0)) {
    throw new TypeError('requireFresh: maxAge must be a positive whole number of seconds');
  }
  return async function tesseraRequireFresh(c, next) {
    if (await (getSession(c) as Session).isFresh(maxAge)) return next();
    if (options.redirect === undefined) {
      throw new HTTPException(401, { message: 'Please sign in again to continue' });
    }
    const url = new URL(c.req.url);
    const target = new URL(options.redirect, url);
    target.searchParams.set('next', url.pathname + url.search);
    return c.redirect(target.origin === url.origin ? target.pathname + target.search : target.href, 303);
  };
}
