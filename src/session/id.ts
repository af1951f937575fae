/**
 * Session ids: 256 bits from `crypto.getRandomValues` (OWASP: at least 64
 * bits of entropy; we use 256), base64url. Stores only ever see SHA-256 of an
 * id, so a leaked store dump does not hand out live session cookies.
 */
import { encodeBase64url } from '../crypto/base64url.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { verifyAt, verifyRemembered } from '../crypto/sign.ts';
import { BoundedMap } from '../util/bounded-map.ts';

const ID_BYTES = 32;
/** 32 bytes in base64url without padding: the shape of an id and of a store key (SHA-256) alike. */
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/** A fresh random session id (43 base64url characters). */
export function newSessionId(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(ID_BYTES)));
}

/** Whether `id` has the exact shape of a session id. */
export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && BASE64URL_32_BYTES.test(id);
}

/**
 * Whether `value` has the shape of a session handle: a store key, base64url
 * SHA-256 of an id. Anything else is treated as unknown.
 */
export function isHandle(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL_32_BYTES.test(value);
}

/**
 * The session id in a verified token value: the value itself, or with id
 * rotation on (`id.validator`, rotation.ts) its part before the dot. Null
 * for any other shape.
 */
export function sessionIdOf(value: string): string | null {
  if (value.length === 43) return isSessionId(value) ? value : null;
  if (value.length !== 87 || value.charCodeAt(43) !== 0x2e) return null;
  const id = value.slice(0, 43);
  return isSessionId(id) && BASE64URL_32_BYTES.test(value.slice(44)) ? id : null;
}

/** The validator in a token value `sessionIdOf` accepted (`''` when it carries none). */
export function validatorOf(value: string): string {
  return value.length === 87 ? value.slice(44) : '';
}

/** Longest session cookie worth verifying: id (43), a validator (44), the signature trailer (< 80). */
const MAX_SESSION_COOKIE_LENGTH = 256;

/** The raw session cookie when it is short enough to be a signed id; a longer one is not ours and costs no MAC. */
export function sessionCookieValue(raw: string | undefined): string | undefined {
  return raw !== undefined && raw.length <= MAX_SESSION_COOKIE_LENGTH ? raw : undefined;
}

/**
 * The session id a signed session cookie (`raw`, exactly as sent) carries, or
 * null: too long to be ours, forged, tampered, expired, from a retired key,
 * or not an id's shape. No store call, so forged ids never reach a store.
 */
export async function verifiedSessionId(
  keyring: Keyring,
  cookieName: string,
  raw: string | undefined,
  now: number,
): Promise<string | null> {
  const token = await verifiedToken(keyring, cookieName, raw, now);
  return token === null ? null : sessionIdOf(token);
}

/**
 * The verified value of a signed session cookie: a session id, or an id and
 * a validator (`sessionIdOf` splits it); null as for {@link verifiedSessionId}.
 */
export async function verifiedToken(
  keyring: Keyring,
  cookieName: string,
  raw: string | undefined,
  now: number,
): Promise<string | null> {
  const value = sessionCookieValue(raw);
  if (value === undefined) return null;
  const token =
    verifyRemembered(keyring, cookieName, value, now) ?? (await verifyAt(keyring, cookieName, value, now));
  return token !== null && sessionIdOf(token) !== null ? token : null;
}

/**
 * Maps ids to store keys (base64url SHA-256), remembering recent ones: the
 * same few ids come back on every request, and a digest is a thread-pool
 * round trip on Node.
 */
export class StoreKeys {
  readonly #cache: BoundedMap<string, string>;

  constructor(capacity = 4096) {
    this.#cache = new BoundedMap(capacity);
  }

  /**
   * The key for an id seen recently, without hashing. Only well-formed ids
   * are remembered, so a hit also says `id` is one.
   */
  cached(id: string): string | undefined {
    return this.#cache.get(id);
  }

  async of(id: string): Promise<string> {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const key = await sha256Base64url(id);
    if (isSessionId(id)) this.#cache.set(id, key);
    return key;
  }
}
