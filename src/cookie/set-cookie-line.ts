/**
 * Reading back a `Set-Cookie` line — ours or one written by other code — as a
 * browser would (RFC 6265bis §5.6, draft-ietf-httpbis-rfc6265bis-22): the
 * name, the raw value, and the attributes that identify the cookie or end it.
 */
import { parseCookieDate } from './date.ts';

/**
 * The longest `Set-Cookie` line, attributes included, that Tessera writes:
 * RFC 6265bis §5.7's 4096-byte bound on name + value, applied to the whole
 * line so that every browser keeps it.
 */
export const MAX_SET_COOKIE_LINE = 4096;

/** What a `Set-Cookie` line says about its cookie. */
export interface SetCookieLine {
  /** The name as sent (trimmed, prefix included). */
  name: string;
  /** The value exactly as sent (not decoded). */
  value: string;
  /** `Domain` in lower case without a leading dot; `''` for a host-only cookie. */
  domain: string;
  /** `Path` as sent; `''` when absent. */
  path: string;
  /** `Max-Age` as sent, when present; the last one wins (§5.6). */
  maxAge: string | undefined;
  /** `Expires` as sent, when present. */
  expires: string | undefined;
}

/** Splits a `Set-Cookie` line into its name, value and identifying attributes. Never throws. */
export function readSetCookie(line: string): SetCookieLine {
  const semi = line.indexOf(';');
  const pair = semi === -1 ? line : line.slice(0, semi);
  const eq = pair.indexOf('=');
  const result: SetCookieLine = {
    name: (eq === -1 ? pair : pair.slice(0, eq)).trim(),
    value: eq === -1 ? '' : pair.slice(eq + 1).trim(),
    domain: '',
    path: '',
    maxAge: undefined,
    expires: undefined,
  };
  if (semi === -1) return result;
  for (const attribute of line.slice(semi + 1).split(';')) {
    const at = attribute.indexOf('=');
    if (at === -1) continue;
    const key = attribute.slice(0, at).trim().toLowerCase();
    const value = attribute.slice(at + 1).trim();
    if (key === 'domain') {
      const domain = value.toLowerCase();
      result.domain = domain.startsWith('.') ? domain.slice(1) : domain;
    } else if (key === 'path') result.path = value;
    else if (key === 'max-age') result.maxAge = value;
    else if (key === 'expires') result.expires = value;
  }
  return result;
}

/**
 * Whether the line removes its cookie rather than setting it: `Max-Age` of
 * zero or less, or — without a valid `Max-Age`, which takes precedence
 * (§5.6.2) — an `Expires` in the past, read as a browser reads it (§5.1.1).
 * An `Expires` a browser cannot parse is ignored there, leaving a session
 * cookie: not a deletion.
 */
export function isDeletion(line: SetCookieLine, now: number = Date.now()): boolean {
  if (line.maxAge !== undefined && /^-?\d+$/.test(line.maxAge)) return Number(line.maxAge) <= 0;
  if (line.expires === undefined) return false;
  const expires = parseCookieDate(line.expires);
  return expires !== null && expires <= now;
}
