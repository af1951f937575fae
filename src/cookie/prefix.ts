/**
 * Cookie name prefixes (RFC 6265bis §4.1.3, draft-ietf-httpbis-rfc6265bis-22): a name starting with
 * `__Secure-` or `__Host-` (matched case-insensitively, §5.7) is accepted by
 * browsers only with the attributes the prefix promises.
 */

/** The prefix rules a cookie name carries. */
export type CookiePrefix = 'secure' | 'host';

/** Which prefix `name` starts with, if any. */
export function cookiePrefixOf(name: string): CookiePrefix | undefined {
  // Both prefixes start with "__": skip the comparisons for every other name.
  if (name.charCodeAt(0) !== 0x5f || name.charCodeAt(1) !== 0x5f) return undefined;
  const head = name.slice(2, 9).toLowerCase();
  if (head.startsWith('host-')) return 'host';
  if (head === 'secure-') return 'secure';
  return undefined;
}

/** `name` with the `prefix` option applied, as it goes on the wire. */
export function prefixedName(name: string, prefix: CookiePrefix | undefined): string {
  if (prefix === 'host') return `__Host-${name}`;
  if (prefix === 'secure') return `__Secure-${name}`;
  return name;
}
