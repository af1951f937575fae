/**
 * The bound cookie: the short-lived credential a DBSC browser keeps alive
 * with its device key (DBSC #format-session-credentials). Its value is the DBSC
 * session identifier signed with the keyring and an expiry of `maxAge`, so a
 * copy can neither be forged, moved to another session, nor outlive
 * `maxAge` — whatever the client does with `Max-Age`. It names the DBSC
 * session, not the session id, so it stays valid across `regenerate()`.
 */
import { getRawCookie } from '../../cookie/canonical.ts';
import { serializeCookie, type CookieOptions } from '../../cookie/serialize.ts';
import { sign, verifyAt, verifyRemembered } from '../../crypto/sign.ts';
import type { RequestContext } from '../contracts.ts';
import type { DbscConfig } from './config.ts';

/** The bound cookie's name for this request: the option, else `<session cookie>.bound`. */
export function boundCookieName(config: DbscConfig, context: RequestContext): string {
  return config.cookieName ?? `${context.cookie.name}.bound`;
}

/** The session cookie's attributes, minus what a bound cookie may not have (DBSC #algo-create-session: no `Partitioned`). */
function attributesOf(context: RequestContext): CookieOptions {
  const {
    partitioned: _partitioned,
    maxAge: _maxAge,
    expires: _expires,
    ...attributes
  } = context.cookie.attributes;
  return attributes;
}

/** The Set-Cookie line of a fresh bound cookie for the DBSC session `bindingId`. */
export async function boundCookieLine(
  config: DbscConfig,
  context: RequestContext,
  bindingId: string,
): Promise<string> {
  const name = boundCookieName(config, context);
  const expires = new Date(context.policy.now + config.maxAge * 1000);
  const value = await sign(context.keyring, name, bindingId, { expires });
  return serializeCookie(name, value, { ...attributesOf(context), maxAge: config.maxAge });
}

/**
 * The cookie attributes as the session instructions state them (DBSC #format-session-credentials
 * "attributes": parsed like a Set-Cookie line; Max-Age does not count).
 */
export function credentialAttributes(config: DbscConfig, context: RequestContext): string {
  const name = boundCookieName(config, context);
  const line = serializeCookie(name, 'x', attributesOf(context));
  return line.slice(name.length + 4); // after `name=x; `
}

/** Whether the request carries a valid bound cookie for the DBSC session `bindingId`. */
export async function holdsBoundCookie(
  config: DbscConfig,
  context: RequestContext,
  bindingId: string,
): Promise<boolean> {
  const header = context.cookieHeader;
  if (header === null) return false;
  const name = boundCookieName(config, context);
  const raw = getRawCookie(header, name);
  if (raw === undefined) return false;
  const { keyring, policy } = context;
  const value =
    verifyRemembered(keyring, name, raw, policy.now) ?? (await verifyAt(keyring, name, raw, policy.now));
  return value === bindingId;
}
