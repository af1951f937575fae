/**
 * The session cookie React Router's `commitSession` and `destroySession`
 * return: the session id signed with the keyring (bound to the cookie name,
 * expiring with the session's absolute lifetime), under the storage's
 * attributes. Per call, React Router passes only a lifetime (`maxAge` or
 * `expires`), which is honoured up to what the server allows.
 */
import { serializeDeletion } from '../cookie/headers.ts';
import { MAX_COOKIE_AGE_SECONDS, serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import { sign } from '../crypto/sign.ts';
import { timeoutsOf } from '../session/record.ts';
import { tokenValue } from '../session/rotation.ts';
import type { RecordContext, StoredSession } from './records.ts';

/** The session cookie's name and attributes, as the storage's `cookie` option makes them (the engine's per-request `CookieSpec` carries more). */
export interface StorageCookie {
  name: string;
  attributes: CookieOptions;
}

/** The per-call cookie lifetime `commitSession` accepts. */
export interface CookieLifetime {
  maxAge?: number;
  expires?: Date;
}

/**
 * The lifetime in React Router's per-call cookie options. Other attributes
 * are the storage's (its `cookie` option): one set of rules for every commit.
 *
 * @throws TypeError naming an attribute other than `maxAge` or `expires`.
 */
export function lifetimeOf(options: object | undefined, caller: string): CookieLifetime {
  if (options === undefined || options === null) return {};
  const lifetime: CookieLifetime = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue; // `{ maxAge: remember ? DAYS : undefined }` is common
    if (key === 'maxAge') lifetime.maxAge = value as number;
    else if (key === 'expires') lifetime.expires = value as Date;
    else {
      throw new TypeError(
        `${caller}: option ${key} cannot vary per call; set it in the cookie option of createTesseraSessionStorage (only maxAge and expires may be passed here)`,
      );
    }
  }
  return lifetime;
}

/**
 * `Set-Cookie` for a stored session. The signed id expires with the
 * session's absolute lifetime, and so does the cookie, whatever `maxAge` or
 * `expires` asks; it is not capped at the idle timeout, because React Router
 * sends the cookie only when the app commits, while reads slide the session
 * on the server.
 */
export async function sessionCookie(
  spec: StorageCookie,
  context: RecordContext,
  session: StoredSession,
  lifetime: CookieLifetime,
): Promise<string> {
  const { record } = session;
  const end = record.createdAt + timeoutsOf(record, context.timeouts).absoluteMs;
  const { now } = context;
  const left = Math.max(0, Math.min(MAX_COOKIE_AGE_SECONDS, Math.floor((end - now) / 1000)));
  const cookie: CookieOptions = { ...spec.attributes };
  if (lifetime.maxAge !== undefined) cookie.maxAge = Math.min(lifetime.maxAge, left);
  else if (lifetime.expires !== undefined)
    cookie.expires = new Date(Math.min(lifetime.expires.getTime(), now + left * 1000));
  else if (record.persistent) cookie.maxAge = left;
  const value = await sign(context.keyring, spec.name, tokenValue(session.id, record), {
    expires: new Date(end),
  });
  return serializeCookie(spec.name, value, cookie);
}

/** `Set-Cookie` that expires the session cookie (same Path, Domain and Secure). */
export function deletionCookie(spec: StorageCookie): string {
  return serializeDeletion(spec.name, spec.attributes);
}
