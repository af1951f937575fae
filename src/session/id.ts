/**
 * Session ids: 256 bits from `crypto.getRandomValues` (OWASP: at least 64
 * bits of entropy; we use 256), base64url. Stores only ever see SHA-256 of an
 * id, so a leaked store dump does not hand out live session cookies.
 */
import { encodeBase64url } from '../crypto/base64url.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import { BoundedMap } from '../util/bounded-map.ts';

const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh random session id (43 base64url characters). */
export function newSessionId(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(ID_BYTES)));
}

/** Whether `id` has the exact shape of a session id. */
export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
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
