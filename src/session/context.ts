/** Per-request state shared by the manager and the two backends. */
import { serializeDeletion } from '../cookie/headers.ts';
import { MAX_COOKIE_AGE_SECONDS, serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { StoreKeys } from './id.ts';
import { attributesOf, type ResolvedOptions } from './options.ts';
import type { SessionClock } from './session.ts';

/** The session cookie for one request: its name and attributes. */
export interface CookieSpec {
  name: string;
  attributes: CookieOptions;
  persistent: boolean;
  /** `name.0=`: how the first chunk of a CookieStore session starts. */
  firstChunk: string;
}

/** Everything a backend needs for one request. */
export interface RequestContext {
  request: Request;
  clock: SessionClock;
  keyring: Keyring;
  keys: StoreKeys;
  cookie: CookieSpec;
}

// Browsers treat https and loopback origins as secure contexts, so Secure and
// __Host- cookies work there (RFC 6265bis §5.7 "secure protocol").
const LOOPBACK = /^http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:\/|$)/i;

export function isSecureRequest(url: string): boolean {
  return url.startsWith('https:') || LOOPBACK.test(url);
}

/** Resolves the session cookie's name and attributes for a request. */
export function cookieSpecFor<Env>(url: string, options: ResolvedOptions<Env>['cookie']): CookieSpec {
  const secure = options.secure ?? isSecureRequest(url);
  const name = options.name ?? (secure ? '__Host-sid' : 'sid');
  return { name, attributes: { ...attributesOf(options), secure }, persistent: options.persistent === true, firstChunk: `${name}.0=` };
}

/** Attributes for a cookie carrying a session created at `createdAt`. */
export function attributesFor(context: RequestContext, createdAt: number): CookieOptions {
  const { attributes, persistent } = context.cookie;
  if (!persistent) return attributes;
  // A persistent cookie lives as long as the session may. Max-Age (relative)
  // rather than Expires, so a client's wrong clock does not matter; browsers
  // cap it at 400 days anyway (RFC 6265bis §5.6.2).
  const remaining = Math.ceil((createdAt + context.clock.absoluteTimeout - context.clock.now) / 1000);
  return { ...attributes, maxAge: Math.min(MAX_COOKIE_AGE_SECONDS, Math.max(0, remaining)) };
}

/** Set-Cookie lines a commit produces, applied to the response at the end. */
export type SetCookieLines = string[];

/** Adds a Set-Cookie for `name`=`value`. */
export function writeCookie(lines: SetCookieLines, name: string, value: string, attributes: CookieOptions): void {
  lines.push(serializeCookie(name, value, attributes));
}

/** Adds the deletion of cookie `name`, repeating its Path/Domain/Secure. */
export function clearCookie(lines: SetCookieLines, name: string, attributes: CookieOptions): void {
  lines.push(serializeDeletion(name, attributes));
}
