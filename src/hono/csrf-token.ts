/**
 * The session's CSRF token (OWASP CSRF Prevention Cheat Sheet, "Synchronizer
 * Token Pattern"): 256 random bits kept in the session data, bound to the
 * session id so a new id (`regenerate()` at login, `destroy()`) retires it,
 * and compared in constant time.
 */
import { encodeBase64url } from '../crypto/index.ts';
import { utf8 } from '../crypto/bytes.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import type { Session } from '../session/index.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import { retryingOnce } from '../util/once.ts';

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
