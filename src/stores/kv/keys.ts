/**
 * The KV keys of one store, all under its prefix. A session's keys hold its
 * hashed id only; user ids are hashed too, so keys carry no personal data.
 *
 * | key | holds | lives |
 * |---|---|---|
 * | `prefix + key` | the record (JSON) | until the session's absolute deadline |
 * | `prefix + "seen:" + key` | when it was last seen (touches) | until the idle expiry that gives |
 * | `prefix + "ended:" + key` | when it was deleted | `END_MARKER_MS` |
 * | `prefix + "user:" + H(user) + ":" + key` | the user index | as the record |
 * | `prefix + "revoked:" + H(user)` | the user's last revocation time | kept |
 */
import { utf8 } from '../../crypto/bytes.ts';
import { sha256Base64url } from '../../crypto/digest.ts';

/** KV's longest key. */
const MAX_KEY_BYTES = 512;
/** Length of a hashed id: base64url SHA-256. */
const HASHED_LENGTH = 43;

/** Whether every key under `prefix` fits KV's 512 bytes (the longest is the user index's). */
export function prefixFits(prefix: string): boolean {
  return utf8(`${prefix}revoked:`).length + 2 * HASHED_LENGTH + 1 <= MAX_KEY_BYTES;
}

export class Keys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  record(key: string): string {
    return this.prefix + key;
  }

  lastSeen(key: string): string {
    return `${this.prefix}seen:${key}`;
  }

  ended(key: string): string {
    return `${this.prefix}ended:${key}`;
  }

  async indexPrefix(userId: string): Promise<string> {
    return `${this.prefix}user:${await sha256Base64url(userId)}:`;
  }

  async revoked(userId: string): Promise<string> {
    return `${this.prefix}revoked:${await sha256Base64url(userId)}`;
  }
}
