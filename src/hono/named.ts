/**
 * Several sessions side by side (a user session and an admin session), each
 * on its own context key and cookie, and the conflicts that would lose data
 * refused on the first request: two managers under one key (a second
 * `session()` on a sub-app would read an empty session and write over the
 * first one's cookie), or two keys sharing one cookie name.
 */
import type { Context } from 'hono';
import { managerOf } from '../session/manager.ts';
import type { ManagerShared } from '../session/request-state.ts';
import { internalsOf } from '../session/manager.ts';

/** Checks the `name` option of `session()`; returns the context key. */
export function checkName(name: unknown, options: unknown): string {
  if (name === undefined) return 'session';
  if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new TypeError(
      'session: option name must be an identifier such as "admin" (it becomes c.var.admin)',
    );
  }
  const cookie = (options as { cookie?: { name?: unknown } } | null)?.cookie;
  if (
    name !== 'session' &&
    typeof options === 'object' &&
    options !== null &&
    !('load' in options) &&
    cookie?.name === undefined
  ) {
    throw new TypeError(
      `session: the session named "${name}" needs its own cookie.name (e.g. cookie: { name: '__Host-${name}' }), or it would share the default session's cookie`,
    );
  }
  return name;
}

function cookieNames(shared: ManagerShared<unknown> | undefined): string[] {
  return shared === undefined ? [] : [shared.secureCookie.name, shared.plainCookie.name];
}

/**
 * Puts this middleware's claim on `name` for the request: `already` when
 * the same manager already loaded the session (mounted twice: pass through),
 * else `claimed`. Throws an Error saying how to fix a conflict.
 */
export function claimContextKey(
  c: Context,
  name: string,
  manager: object,
  shared: ManagerShared<any> | undefined,
): 'already' | 'claimed' {
  const existing: unknown = (c.get as (key: string) => unknown)(name);
  if (existing !== undefined) {
    if (managerOf(existing) === manager) return 'already';
    throw new Error(
      `session: c.var.${name} is already set on this request by another session() middleware (the parent app's?); ` +
        `a second manager would read its own empty session and overwrite the first one's cookie. Mount session() once ` +
        `(sub-apps see the parent's c.var.${name}), or give this one its own name and cookie: ` +
        `session({ name: 'admin', cookie: { name: '__Host-admin' }, … })`,
    );
  }
  let mine: string[] | undefined; // worked out only when another session is on the request
  for (const [key, value] of Object.entries(c.var as Record<string, unknown>)) {
    const other = managerOf(value);
    if (other === undefined) continue;
    const own = (mine ??= cookieNames(shared));
    const common = cookieNames(internalsOf(other)?.shared).filter((cookie) => own.includes(cookie));
    if (common.length > 0) {
      throw new Error(
        `session: the sessions c.var.${key} and c.var.${name} both use the cookie "${common[0]}"; ` +
          'each would overwrite the other: give each its own cookie.name',
      );
    }
  }
  return 'claimed';
}
