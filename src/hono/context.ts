/**
 * What the middleware reads from and leaves on a request's context: the
 * session (`c.var.session`, or `getSession(c)`), and the response it swaps
 * in when a commit or the consent check had to copy the handler's.
 */
import type { Context, Env, Input } from 'hono';
import type { SessionOf } from './types.ts';

/**
 * The request's session, typed from the app's env (`SessionEnv<Data>`). The
 * same object as `c.var.session`; `getSession(c, 'admin')` is the session
 * of `session({ name: 'admin', … })`.
 *
 * @throws Error when no `session()` middleware ran for this request — a
 *   wiring mistake, not something a client can cause.
 */
export function getSession<E extends Env, P extends string, I extends Input, Name extends string = 'session'>(
  c: Context<E, P, I>,
  name?: Name,
): SessionOf<E, Name> {
  const key = name ?? 'session';
  const value: unknown = (c.get as (key: string) => unknown)(key);
  if (value === undefined) {
    throw new Error(
      key === 'session'
        ? 'getSession: no session on this request; add app.use(session({ … })) before this route'
        : `getSession: no session named "${key}" on this request; add app.use(session({ name: '${key}', … })) before this route`,
    );
  }
  return value as SessionOf<E, Name>;
}

/**
 * Puts `response` in place of `c.res` when it is a different object (a copy
 * made because the handler's Response had immutable headers, e.g.
 * `Response.redirect`). Clears first: assigning over an existing `c.res`
 * makes Hono copy the old response's Set-Cookie lines onto the new one,
 * which would drop the session cookie or bring dropped lines back.
 */
export function replaceResponse(c: Context<any, any, any>, response: Response): void {
  if (response === c.res) return;
  c.res = undefined;
  c.res = response;
}
