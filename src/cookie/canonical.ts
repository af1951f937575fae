/**
 * Cookie values that carry credentials (signed values, session ids, sealed
 * sessions) have exactly one spelling: the one `serializeCookie` writes. A
 * client that sends the same bytes spelled differently (`%41` for `A`, or
 * wrapped in DQUOTEs) sends a different, invalid credential — so a MAC is
 * never checked on a value the server did not write byte for byte.
 */
import { decodeCookieValue, getCookie, type CookieSource } from './parse.ts';
import { encodeCookieValue } from './serialize.ts';

/** Read options that keep a cookie's value exactly as sent: no `%XX` decoding. */
export const AS_SENT = { decode: false } as const;

/** The cookie's value exactly as sent (not decoded), or `undefined`. */
export function getRawCookie(source: CookieSource, name: string): string | undefined {
  return getCookie(source, name, AS_SENT);
}

/** The cookie's decoded value when it is spelled as `serializeCookie` writes it; `undefined` otherwise. */
export function getCanonicalCookie(source: CookieSource, name: string): string | undefined {
  const raw = getRawCookie(source, name);
  if (raw === undefined) return undefined;
  const value = decodeCookieValue(raw);
  if (value === raw) return value;
  try {
    return encodeCookieValue(value) === raw ? value : undefined;
  } catch {
    return undefined; // not well-formed Unicode: no spelling of ours
  }
}
