/**
 * Cookie name prefixes (RFC 6265bis §4.1.3, draft-ietf-httpbis-rfc6265bis-22).
 * A name starting with one of them (matched case-insensitively, §5.7) is
 * accepted by browsers only with the attributes the prefix promises:
 *
 * | prefix          | Secure | Path=/, no Domain | HttpOnly |
 * |-----------------|--------|-------------------|----------|
 * | `__Secure-`     | yes    |                   |          |
 * | `__Host-`       | yes    | yes               |          |
 * | `__Http-`       | yes    |                   | yes      |
 * | `__Host-Http-`  | yes    | yes               | yes      |
 */

/** What the `prefix` option of `serializeCookie` can add to a name. */
export type CookiePrefix = 'secure' | 'host';

/** The rules a prefixed name carries. */
export interface PrefixRules {
  /** The prefix as written in messages. */
  readonly label: '__Secure-' | '__Host-' | '__Http-' | '__Host-Http-';
  /** Path=/ and no Domain. */
  readonly host: boolean;
  readonly httpOnly: boolean;
}

const SECURE: PrefixRules = { label: '__Secure-', host: false, httpOnly: false };
const HOST: PrefixRules = { label: '__Host-', host: true, httpOnly: false };
const HTTP: PrefixRules = { label: '__Http-', host: false, httpOnly: true };
const HOST_HTTP: PrefixRules = { label: '__Host-Http-', host: true, httpOnly: true };

/** The prefix rules of `name`, if it starts with a prefix. */
export function cookiePrefixOf(name: string): PrefixRules | undefined {
  // Every prefix starts with "__": skip the comparisons for every other name.
  if (name.charCodeAt(0) !== 0x5f || name.charCodeAt(1) !== 0x5f) return undefined;
  const head = name.slice(2, 12).toLowerCase();
  if (head.startsWith('host-http-')) return HOST_HTTP;
  if (head.startsWith('host-')) return HOST;
  if (head.startsWith('http-')) return HTTP;
  if (head.startsWith('secure-')) return SECURE;
  return undefined;
}

/** The attributes a prefixed name implies, as defaults under explicit options. */
export function prefixDefaults(rules: PrefixRules | undefined): {
  secure?: true;
  path?: '/';
  httpOnly?: true;
} {
  if (rules === undefined) return {};
  const defaults: { secure?: true; path?: '/'; httpOnly?: true } = { secure: true };
  if (rules.host) defaults.path = '/';
  if (rules.httpOnly) defaults.httpOnly = true;
  return defaults;
}

/** `name` with the `prefix` option applied, as it goes on the wire. */
export function prefixedName(name: string, prefix: CookiePrefix | undefined): string {
  if (prefix === 'host') return `__Host-${name}`;
  if (prefix === 'secure') return `__Secure-${name}`;
  return name;
}
