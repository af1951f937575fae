/**
 * Two managers in one process under one cookie name (two handlers, two
 * apps) each take the other's cookie for a forgery and replace it: users
 * are signed out of one whenever they use the other. A cookie that fails
 * verification cannot be told from a forged one, so this is a hint, not an
 * error: a one-time warning when it happens while another manager uses the
 * same cookie name. (On one Hono request, the middleware makes it an error.)
 */
import { warnOnce } from '../util/options.ts';

const managers = new Map<string, WeakRef<object>[]>();

/** Records that `manager` uses the cookie `names`. */
export function registerCookieNames(manager: object, names: readonly string[]): void {
  for (const name of new Set(names)) {
    const live = (managers.get(name) ?? []).filter((ref) => ref.deref() !== undefined);
    live.push(new WeakRef(manager));
    managers.set(name, live);
  }
}

/** Warns once when `name` failed to verify for `manager` while another manager uses that name. */
export function hintSharedCookie(manager: object, name: string): void {
  const others = (managers.get(name) ?? []).some((ref) => {
    const other = ref.deref();
    return other !== undefined && other !== manager;
  });
  if (!others) return;
  warnOnce(
    `shared-cookie:${name}`,
    `tesserajs: a session cookie "${name}" did not verify, and another session manager in this process uses the same cookie name. ` +
      "Two managers on one cookie replace each other's cookie (users get signed out): give each its own cookie.name " +
      "(with Hono: session({ name: 'admin', cookie: { name: '__Host-admin' }, … })).",
  );
}
