/** The session cookie's options: names, defaults, and a check of every variant a request can pick. */
import { cookiePrefixOf } from '../../cookie/prefix.ts';
import { serializeCookie, type CookieOptions } from '../../cookie/serialize.ts';
import { checkOptionNames } from '../../util/options.ts';

/** Attributes of the session cookie. */
export interface SessionCookieOptions
  extends Pick<CookieOptions, 'domain' | 'path' | 'sameSite' | 'partitioned' | 'priority'> {
  /**
   * Cookie name. Default `__Host-sid` when the request is https (or to a
   * loopback host, which browsers treat as secure), else `sid`.
   */
  name?: string;
  /** Default: true for https and loopback requests, false otherwise. */
  secure?: boolean;
  /** Default true: the session cookie is invisible to scripts. */
  httpOnly?: boolean;
  /**
   * New sessions keep their cookie across browser restarts ("remember me" for
   * everyone; `session.persist(false)` opts one out). Default false: a
   * browser-session cookie, unless `session.persist()` is called.
   */
  persistent?: boolean;
}

/** The cookie options with their defaults. */
export type ResolvedCookie = SessionCookieOptions & {
  httpOnly: boolean;
  path: string;
  sameSite: NonNullable<CookieOptions['sameSite']>;
};

const COOKIE_OPTION_NAMES = [
  'name',
  'secure',
  'httpOnly',
  'persistent',
  'domain',
  'path',
  'sameSite',
  'partitioned',
  'priority',
];
/** Checks the `cookie` option and fills in its defaults; every message names the option. */
export function resolveCookie(option: SessionCookieOptions | undefined): ResolvedCookie {
  if (option !== undefined && (typeof option !== 'object' || option === null))
    throw new TypeError('createSessionManager: option cookie must be an object of cookie attributes');
  if (option) checkOptionNames('createSessionManager', option, COOKIE_OPTION_NAMES, {}, 'cookie.');
  const cookie = { httpOnly: true, path: '/', sameSite: 'Lax' as const, ...option };
  // A prefixed name needs Secure on every request, not only https ones.
  if (cookie.secure === undefined && cookie.name !== undefined && cookiePrefixOf(cookie.name) !== undefined)
    cookie.secure = true;
  if (cookie.secure === undefined && (cookie.sameSite.toLowerCase() === 'none' || cookie.partitioned)) {
    throw new TypeError(
      'createSessionManager: option cookie.sameSite "None" and cookie.partitioned require cookie.secure: true',
    );
  }
  // Validate the attributes for every variant a request can pick.
  for (const secure of cookie.secure === undefined ? [true, false] : [cookie.secure]) {
    try {
      serializeCookie(cookie.name ?? (secure ? '__Host-sid' : 'sid'), 'x', {
        ...cookieAttributesOf(cookie),
        secure,
      });
    } catch (error) {
      throw new TypeError(`createSessionManager: option cookie: ${(error as Error).message}`);
    }
  }
  return cookie;
}

/** The `Set-Cookie` attributes among the session cookie options (all but name and persistence). */
export function cookieAttributesOf(cookie: SessionCookieOptions): CookieOptions {
  const { name: _name, persistent: _persistent, ...attributes } = cookie;
  return attributes;
}
