/** Writing `Set-Cookie` headers onto `Headers` or a `Response` (RFC 6265bis, draft-ietf-httpbis-rfc6265bis-22). */
import { cookiePrefixOf, prefixDefaults, prefixedName } from './prefix.ts';
import { declareCookiePurpose, type CookiePurpose } from './purpose.ts';
import { serializeCookie, type CookieOptions } from './serialize.ts';
import { readSetCookie } from './set-cookie-line.ts';

/** Where `Set-Cookie` headers go. */
export type SetCookieTarget = Headers | { readonly headers: Headers };

function headersOf(target: SetCookieTarget): Headers {
  return 'headers' in target ? target.headers : target;
}

/**
 * The identity of a cookie in a jar is (name, domain, path) — RFC 6265bis
 * §5.7 step 22 — so two Set-Cookie lines with the same triple fight each other.
 */
function identityOf(setCookie: string): string {
  const { name, domain, path } = readSetCookie(setCookie);
  return `${name}\u0000${domain}\u0000${path}`;
}

/**
 * Appends a serialized `Set-Cookie` header (never joined with commas). A
 * header already present for the same cookie (name, Domain, Path) is
 * replaced, so one response carries one instruction per cookie.
 */
export function appendSetCookie(target: SetCookieTarget, setCookie: string): void {
  const headers = headersOf(target);
  const existing = headers.getSetCookie();
  if (existing.length > 0) {
    const identity = identityOf(setCookie);
    const kept = existing.filter((line) => identityOf(line) !== identity);
    if (kept.length !== existing.length) {
      headers.delete('set-cookie');
      for (const line of kept) headers.append('set-cookie', line);
    }
  }
  headers.append('set-cookie', setCookie);
}

/** Options of {@link setCookie}: the attributes, plus the cookie's purpose. */
export interface SetCookieOptions extends CookieOptions {
  /**
   * Why the cookie exists (default `necessary`). Declares the purpose for the
   * cookie's name, for the whole process, so `createConsent`'s check at the
   * response's exit drops the line unless the visitor granted that purpose.
   */
  purpose?: CookiePurpose;
}

/**
 * Serializes a cookie and appends it to `target` (see {@link serializeCookie}
 * for the rules). Returns the header value written.
 *
 * @throws TypeError for a bad attribute, or a `purpose` that is not one or
 *   differs from the purpose the name was declared with before.
 */
export function setCookie(
  target: SetCookieTarget,
  name: string,
  value: string,
  options?: SetCookieOptions,
): string {
  if (options === undefined || !('purpose' in options)) {
    const line = serializeCookie(name, value, options);
    appendSetCookie(target, line);
    return line;
  }
  const { purpose, ...attributes } = options;
  const line = serializeCookie(name, value, attributes);
  if (purpose !== undefined)
    declareCookiePurpose(prefixedName(name, attributes.prefix), purpose, 'setCookie');
  appendSetCookie(target, line);
  return line;
}

/** Attributes a deletion must repeat so it reaches the same cookie. */
export type DeleteCookieOptions = Pick<
  CookieOptions,
  'domain' | 'path' | 'secure' | 'sameSite' | 'partitioned' | 'httpOnly' | 'prefix'
>;

/**
 * The `Set-Cookie` that removes a cookie: empty value, `Max-Age=0`, and the
 * same Path/Domain/Secure (a browser only replaces a cookie whose identity
 * matches, and refuses prefixed cookies without `Secure`).
 */
export function serializeDeletion(name: string, options: DeleteCookieOptions = {}): string {
  const { domain, path, sameSite, partitioned, prefix } = options;
  // A prefixed cookie is only replaced by a line that keeps the prefix's rules (§4.1.3).
  const implied = prefixDefaults(cookiePrefixOf(prefixedName(name, prefix)));
  const secure = options.secure ?? implied.secure ?? false;
  const httpOnly = options.httpOnly ?? implied.httpOnly;
  const attributes: CookieOptions = { secure, maxAge: 0 };
  if (domain !== undefined) attributes.domain = domain;
  if (path !== undefined) attributes.path = path;
  if (sameSite !== undefined) attributes.sameSite = sameSite;
  if (partitioned !== undefined) attributes.partitioned = partitioned;
  if (httpOnly !== undefined) attributes.httpOnly = httpOnly;
  if (prefix !== undefined) attributes.prefix = prefix;
  return serializeCookie(name, '', attributes);
}

/** Appends the deletion for a cookie to `target`; returns the header value. */
export function deleteCookie(target: SetCookieTarget, name: string, options?: DeleteCookieOptions): string {
  const line = serializeDeletion(name, options);
  appendSetCookie(target, line);
  return line;
}

/**
 * Runs `edit(headers, input)` on the response's headers, or on a copy of the
 * response when its headers are immutable (`Response.redirect`, a `fetch()`
 * response). Returns the response that carries the edit. `input` lets callers
 * pass a module-level function rather than build a closure per response.
 */
export function editHeaders<Input>(
  response: Response,
  edit: (headers: Headers, input: Input) => void,
  input: Input,
): Response {
  try {
    edit(response.headers, input);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    edit(copy.headers, input);
    return copy;
  }
}
