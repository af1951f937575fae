/**
 * What the `session()` middleware leaves on a request's context: the session
 * (`c.var.session`, or `getSession(c)`).
 */
import type { Context, Env, Input } from 'hono';
import type { SessionOf } from './types.ts';

/**
 * The request's session, typed from the app's env (`SessionEnv<Data>`). The
 * same object as `c.var.session`.
 *
 * @throws Error when no `session()` middleware ran for this request — a
 *   wiring mistake, not something a client can cause.
 */
export function getSession<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
): SessionOf<E> {
  const value: unknown = (c.get as (key: string) => unknown)('session');
  if (value === undefined) {
    throw new Error('getSession: no session on this request; add app.use(session({ … })) before this route');
  }
  return value as SessionOf<E>;
}
