/**
 * Two managers in one process under one cookie name (two handlers, two
 * apps) each take the other's cookie for a forgery and replace it: users
 * are signed out of one whenever they use the other. A cookie that fails
 * verification cannot be told from a forged one, so this is a hint, not an
 * error: a one-time warning when it happens while another manager uses the
 * same cookie name. (On one Hono request, the middleware makes it an error.)
 */
import { warnOnce } from '../../util/options.ts';

// Counts, not references: nothing is kept alive (and Workers before the
// 2025-05-05 compatibility date have no WeakRef).
const managers = new Map<string, number>();

/** Records that one more manager uses the cookie `names`. */
export function registerCookieNames(names: readonly string[]): void {
  for (const name of new Set(names)) managers.set(name, (managers.get(name) ?? 0) + 1);
}

/** Warns once when `name` failed to verify while more than one manager uses that name. */
export function hintSharedCookie(name: string): void {
  if ((managers.get(name) ?? 0) < 2) return;
  warnOnce(
    `shared-cookie:${name}`,
    `tesserajs: a session cookie "${name}" did not verify, and another session manager in this process uses the same cookie name. ` +
      "Two managers on one cookie replace each other's cookie (users get signed out): give each its own cookie.name " +
      "(with Hono: session({ name: 'admin', cookie: { name: '__Host-admin' }, … })).",
  );
}
