/**
 * `Set-Cookie` serialization (RFC 6265bis §4.1; section numbers in this module
 * follow draft-ietf-httpbis-rfc6265bis-22). Everything the server controls
 * is validated: a bad option is a programming error and throws a `TypeError`
 * that names it, rather than emitting a header a browser would drop or, worse,
 * one an attacker could extend.
 */
import { cookiePrefixOf, prefixedName } from './prefix.ts';
import { isToken } from '../util/token.ts';

/** `SameSite` attribute values (case-insensitive on input). */
export type SameSite = 'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none';
/** `Priority` attribute values (case-insensitive on input). */
export type Priority = 'Low' | 'Medium' | 'High' | 'low' | 'medium' | 'high';

/** Attributes of a `Set-Cookie` header. */
/** The names of {@link CookieOptions}, for the checks that refuse unknown option names. */
export const COOKIE_OPTION_NAMES = [
  'maxAge',
  'expires',
  'domain',
  'path',
  'secure',
  'httpOnly',
  'sameSite',
  'partitioned',
  'priority',
  'prefix',
] as const;

export interface CookieOptions {
  /** Lifetime in whole seconds, 0 to 400 days (34 560 000). */
  maxAge?: number;
  /** Absolute expiry; at most 400 days ahead. */
  expires?: Date;
  /** Host the cookie is shared with (and its subdomains). Omit for host-only. */
  domain?: string;
  /** Path scope; must start with `/`. */
  path?: string;
  /** Only sent over https. */
  secure?: boolean;
  /** Hidden from `document.cookie`. */
  httpOnly?: boolean;
  /** Cross-site sending policy; `None` requires `secure`. */
  sameSite?: SameSite;
  /** CHIPS partitioned cookie; requires `secure`. */
  partitioned?: boolean;
  /** Chromium eviction priority. */
  priority?: Priority;
  /**
   * Adds the `__Secure-` or `__Host-` prefix to the name and applies its rules:
   * `Secure` is implied, and for `host` also `Path=/` with no `Domain`.
   */
  prefix?: 'secure' | 'host';
}

/** RFC 6265bis §5.5: user agents cap Max-Age and Expires at 400 days. */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 60 * 60;
/** RFC 6265bis §5.7: name + value longer than 4096 bytes is ignored. */
export const MAX_NAME_VALUE_BYTES = 4096;
/** RFC 6265bis §5.7: an attribute value longer than 1024 bytes is ignored. */
export const MAX_ATTRIBUTE_BYTES = 1024;

// cookie-name = token (§4.1.1), checked by isToken (RFC 9110 §5.6.2).
// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E   (§4.1.1)
// minus `%` (%x25), which is escaped so that reading back (which decodes %XX)
// is lossless.
const SAFE_VALUE = /^[\u0021\u0023\u0024\u0026-\u002b\u002d-\u003a\u003c-\u005b\u005d-\u007e]*$/;
// av-octet = %x20-3A / %x3C-7E   ; any CHAR except CTLs or ";"   (§4.1.1)
const ATTRIBUTE_VALUE = /^[\u0020-\u003a\u003c-\u007e]*$/;
// domain-value = <subdomain>   (§4.1.1; RFC 1034 §3.5 as enhanced by RFC 1123 §2.1)
// <label> = <let-dig> [ [ <ldh-str> ] <let-dig> ], at most 63 octets; an
// optional leading "." is ignored by user agents (§5.6.3).
const HOST = /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Canonical spellings of an enumerated attribute, looked up by themselves or in lower case. */
function spellings(values: string[]): Map<string, string> {
  return new Map(values.flatMap((value) => [[value, value] as const, [value.toLowerCase(), value] as const]));
}
const SAME_SITE = spellings(['Strict', 'Lax', 'None']);
const PRIORITY = spellings(['Low', 'Medium', 'High']);

/**
 * Strings that already passed a check. An app sets a handful of names,
 * domains and paths over and over; a bounded set skips the regexes for them.
 */
class Checked {
  readonly #seen = new Set<string>();
  has(value: string): boolean {
    return this.#seen.has(value);
  }
  add(value: string): void {
    if (this.#seen.size >= 256) this.#seen.clear();
    this.#seen.add(value);
  }
}
const checkedNames = new Checked();
const checkedDomains = new Checked();
const checkedPaths = new Checked();

function fail(message: string): never {
  throw new TypeError(`serializeCookie: ${message}`);
}

/** Percent-encodes a value so it is all cookie-octets; throws on lone surrogates. */
export function encodeCookieValue(value: string): string {
  if (SAFE_VALUE.test(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return fail('value is not well-formed Unicode (lone surrogate)');
  }
}

function attributeValue(option: string, value: unknown): string {
  if (typeof value !== 'string') fail(`option ${option} must be a string`);
  if (!ATTRIBUTE_VALUE.test(value)) {
    fail(`option ${option} contains ";", a control character or non-ASCII: ${JSON.stringify(value)}`);
  }
  if (value.length > MAX_ATTRIBUTE_BYTES)
    fail(`option ${option} is longer than ${MAX_ATTRIBUTE_BYTES} bytes`);
  return value;
}

/** The canonical spelling of an enumerated attribute value, matched case-insensitively. */
function enumValue(option: string, value: unknown, table: Map<string, string>): string {
  const canonical =
    typeof value === 'string' ? (table.get(value) ?? table.get(value.toLowerCase())) : undefined;
  if (canonical === undefined)
    fail(`option ${option} must be one of ${[...new Set(table.values())].join(', ')}`);
  return canonical;
}

/**
 * Builds one `Set-Cookie` header value. The value is percent-encoded when it
 * holds anything outside cookie-octets (or `%`).
 *
 * @throws TypeError naming the problem when the name, value or any option is
 *   invalid, or when the combination breaks a prefix or `Secure` rule.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (options.prefix !== undefined) {
    if (options.prefix !== 'host' && options.prefix !== 'secure')
      fail('option prefix must be "secure" or "host"');
    name = prefixedName(name, options.prefix);
  }
  if (typeof name !== 'string' || !(checkedNames.has(name) || isToken(name))) {
    fail(`name must be an RFC 9110 token: ${JSON.stringify(name)}`);
  }
  checkedNames.add(name);
  if (typeof value !== 'string') fail('value must be a string');
  const encoded = encodeCookieValue(value);
  if (name.length + encoded.length > MAX_NAME_VALUE_BYTES) {
    fail(`name and value are longer than ${MAX_NAME_VALUE_BYTES} bytes`);
  }

  const prefix = cookiePrefixOf(name);
  // A prefix option implies its attributes; an explicit contrary option throws below.
  const secure = options.secure ?? (options.prefix !== undefined ? true : false);
  const path = options.path ?? (prefix?.host ? '/' : undefined);

  let out = `${name}=${encoded}`;
  if (options.maxAge !== undefined) {
    const maxAge = options.maxAge;
    if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_COOKIE_AGE_SECONDS) {
      fail(`option maxAge must be an integer from 0 to ${MAX_COOKIE_AGE_SECONDS} (400 days), got ${maxAge}`);
    }
    out += `; Max-Age=${maxAge}`;
  }
  if (options.domain !== undefined) {
    const domain = options.domain;
    if (!checkedDomains.has(domain)) {
      attributeValue('domain', domain);
      if (!HOST.test(domain) || domain.length > 255)
        fail(`option domain is not a valid host: ${JSON.stringify(domain)}`);
      checkedDomains.add(domain);
    }
    out += `; Domain=${domain}`;
  }
  if (path !== undefined) {
    if (!checkedPaths.has(path)) {
      attributeValue('path', path);
      if (path.charCodeAt(0) !== 0x2f) fail(`option path must start with "/": ${JSON.stringify(path)}`);
      checkedPaths.add(path);
    }
    out += `; Path=${path}`;
  }
  if (options.expires !== undefined) {
    const expires = options.expires;
    const time = expires instanceof Date ? expires.getTime() : Number.NaN;
    if (Number.isNaN(time)) fail('option expires must be a valid Date');
    // §5.1.1: user agents fail to parse a cookie-date whose year is before 1601.
    if (expires.getUTCFullYear() < 1601)
      fail('option expires is before the year 1601, which browsers ignore');
    if (time - Date.now() > MAX_COOKIE_AGE_SECONDS * 1000) fail('option expires is more than 400 days ahead');
    out += `; Expires=${expires.toUTCString()}`;
  }
  if (options.httpOnly) out += '; HttpOnly';
  if (secure) out += '; Secure';
  if (options.sameSite !== undefined) {
    const sameSite = enumValue('sameSite', options.sameSite, SAME_SITE);
    // RFC 6265bis §5.7: SameSite=None without Secure is rejected by browsers.
    if (sameSite === 'None' && !secure) fail('option sameSite "None" requires secure: true');
    out += `; SameSite=${sameSite}`;
  }
  if (options.partitioned) {
    // CHIPS: Partitioned cookies must be Secure.
    if (!secure) fail('option partitioned requires secure: true');
    out += '; Partitioned';
  }
  if (options.priority !== undefined)
    out += `; Priority=${enumValue('priority', options.priority, PRIORITY)}`;

  // §4.1.3 cookie prefixes: browsers drop a prefixed cookie without these.
  if (prefix !== undefined) {
    if (!secure) fail(`a ${prefix.label} cookie requires secure: true`);
    if (prefix.host && options.domain !== undefined)
      fail(`a ${prefix.label} cookie must not have option domain`);
    if (prefix.host && path !== '/') fail(`a ${prefix.label} cookie requires option path "/"`);
    if (prefix.httpOnly && !options.httpOnly) fail(`a ${prefix.label} cookie requires httpOnly: true`);
  }
  return out;
}
