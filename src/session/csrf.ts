/**
 * The session's CSRF token (OWASP CSRF Prevention Cheat Sheet, "Synchronizer
 * Token Pattern"): 256 random bits kept in the session data, bound to the
 * session id so a new id (`regenerate()` at login, `destroy()`) retires it,
 * and compared in constant time. `csrfToken(session)` gives pages the token,
 * `verifyCsrf(session, request)` checks what an unsafe request sent back;
 * the Hono middleware in `tesserajs/hono` is built on the same two.
 */
import { encodeBase64url } from '../crypto/base64url.ts';
import { utf8 } from '../crypto/bytes.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import type { Session } from './types.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import { retryingOnce } from '../util/once.ts';
import { isToken } from '../util/token.ts';
import { checkOptionNames } from '../util/options.ts';

/** The session data key holding the CSRF token. Reserved: do not use it for your own data. */
export const CSRF_SESSION_KEY = '_csrf';

/** What is stored under {@link CSRF_SESSION_KEY}. */
export interface StoredCsrfToken {
  /** The token pages embed (43 base64url characters). */
  token: string;
  /** Truncated SHA-256 of the session id the token was issued to. */
  bound: string;
}

/** The session as this module sees it: only the reserved key. */
export type CsrfSession = Session<{ [CSRF_SESSION_KEY]?: StoredCsrfToken }, Record<never, never>>;

/** Where `verifyCsrf` looks for the token a request sends back. */
export interface CsrfOptions {
  /** Request header carrying the token (fetch, htmx, JSON APIs). Default `x-csrf-token`. */
  header?: string;
  /** Form field carrying the token in urlencoded and multipart bodies. Default `_csrf`. */
  field?: string;
  /** @deprecated Renamed `header`; accepted, with a warning, until the next minor release. */
  headerName?: string;
  /** @deprecated Renamed `field`; accepted, with a warning, until the next minor release. */
  fieldName?: string;
}

// RFC 9110 §9.2.1: safe methods do not change state, so they need no token.
// TRACE is safe too but is checked anyway: nothing legitimate sends it.
const EXEMPT = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** Whether the method needs no token (GET, HEAD, OPTIONS). */
export function isSafeMethod(method: string): boolean {
  return EXEMPT.has(method);
}

/** The checked header and field names of `options`; throws naming a bad option. */
export function csrfNames(options: CsrfOptions, caller: string): { headerName: string; fieldName: string } {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${caller}: options must be an object`);
  // Messages name the option as the caller spelled it.
  const headerOption = options.headerName === undefined ? 'header' : 'headerName';
  const fieldOption = options.fieldName === undefined ? 'field' : 'fieldName';
  const checked = checkOptionNames(caller, options, ['header', 'field'], {
    headerName: 'header',
    fieldName: 'field',
  });
  const headerName = checked.header ?? 'x-csrf-token';
  const fieldName = checked.field ?? '_csrf';
  if (typeof headerName !== 'string' || !isToken(headerName)) {
    throw new TypeError(`${caller}: option ${headerOption} must be an HTTP header name (RFC 9110 token)`);
  }
  if (typeof fieldName !== 'string' || fieldName === '') {
    throw new TypeError(`${caller}: option ${fieldOption} must be a non-empty string`);
  }
  return { headerName, fieldName };
}

/** Whether the body can carry the form field: urlencoded or multipart. */
export function isFormBody(contentType: string | null | undefined): boolean {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  return type !== undefined && FORM_TYPES.has(type);
}

const TOKEN_BYTES = 32;
/** Longer submissions are refused before any crypto (a real token is 43 characters). */
const MAX_SUBMITTED_LENGTH = 256;

/** Session id → binding, so a busy session costs one digest, not one per request. */
const bindings = new BoundedMap<string, string>(4096);

async function bindingOf(id: string): Promise<string> {
  const cached = bindings.get(id);
  if (cached !== undefined) return cached;
  // A separate label keeps this digest distinct from the store key (SHA-256 of the id).
  const bound = await sha256Base64url(`tessera-csrf\u0000${id}`, 16);
  bindings.set(id, bound);
  return bound;
}

function isStored(value: unknown): value is StoredCsrfToken {
  if (typeof value !== 'object' || value === null) return false;
  const { token, bound } = value as Partial<Record<keyof StoredCsrfToken, unknown>>;
  return typeof token === 'string' && typeof bound === 'string';
}

/**
 * The session's live token, or null when it has none, or has one issued to
 * another id (the session was regenerated since). Reads the session.
 */
export async function currentToken(session: CsrfSession): Promise<string | null> {
  const stored: unknown = await session.get(CSRF_SESSION_KEY);
  const id = session.id;
  if (!isStored(stored) || id === undefined) return null;
  const bound = await bindingOf(id);
  // Neither value is secret from the session's owner; plain comparison is fine here.
  return stored.bound === bound ? stored.token : null;
}

/** The session's token, creating one (a session write) when it has none. */
export async function ensureToken(session: CsrfSession): Promise<string> {
  const current = await currentToken(session);
  if (current !== null) return current;
  const token = encodeBase64url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  // `id` is known after the read above: the live id, or the one this request will create.
  session.set(CSRF_SESSION_KEY, { token, bound: await bindingOf(session.id!) });
  return token;
}

// Per process, made on first use (Workers refuse crypto at startup).
const keyForComparing = retryingOnce(
  () =>
    crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]) as Promise<CryptoKey>,
);

/**
 * Whether `submitted` equals `expected`, in time that does not depend on
 * where they differ: HMAC `expected` with a per-process random key and let
 * `crypto.subtle.verify` check `submitted` against it (OWASP: compare tokens
 * in constant time). No submitted value makes it throw.
 */
export async function tokensMatch(expected: string, submitted: string): Promise<boolean> {
  if (submitted.length === 0 || submitted.length > MAX_SUBMITTED_LENGTH) return false;
  const key = await keyForComparing();
  const reference = await crypto.subtle.sign('HMAC', key, utf8(expected));
  return crypto.subtle.verify('HMAC', key, reference, utf8(submitted));
}

/**
 * The session's CSRF token for a page to embed (a hidden `_csrf` field, or a
 * `<meta>` that scripts copy into the `x-csrf-token` header). Created on first
 * use — a session write — so sessions whose pages render no form are never
 * written for it. Bound to the session id: after `regenerate()` (login) or
 * `destroy()` the old one stops working and the next call issues a new one.
 */
export function csrfToken(session: Session<any, any>): Promise<string> {
  return ensureToken(session as CsrfSession);
}

/**
 * Whether `request` may proceed: true for GET, HEAD and OPTIONS; otherwise
 * only when it sends the session's token back in the `x-csrf-token` header or
 * the `_csrf` field of a form body (OWASP synchronizer token pattern). The
 * body is read from a clone, so the handler can still read it. Never throws
 * on what a client sends.
 */
export async function verifyCsrf(
  session: Session<any, any>,
  request: Request,
  options: CsrfOptions = {},
): Promise<boolean> {
  const { headerName, fieldName } = csrfNames(options, 'verifyCsrf');
  // A session sent in a header cannot be forged cross-site: a browser attaches
  // no such header to a cross-site request (it takes a CORS preflight).
  if (isSafeMethod(request.method) || session.transport === 'header') return true;
  const expected = await currentToken(session as CsrfSession);
  if (expected === null) return false;
  let submitted = request.headers.get(headerName);
  if (submitted === null && isFormBody(request.headers.get('content-type'))) {
    try {
      const field = (await request.clone().formData()).get(fieldName);
      submitted = typeof field === 'string' ? field : null;
    } catch {
      return false; // a malformed body is a missing token, not a 500
    }
  }
  return submitted !== null && tokensMatch(expected, submitted);
}
