/**
 * A bounded memo of values that already passed verification, keyed by their
 * exact text. The same cookie arrives on every request of a visit; a hit
 * skips the HMAC or AES-GCM work. It is safe because a hit requires the very
 * string that was verified (or produced) under this keyring, bound to the
 * same cookie name, and the expiry is re-checked on every hit. Only values
 * this server produced can ever enter it, so clients cannot flood it with
 * forgeries; a new keyring (rotation) starts with an empty memo.
 */
import { BoundedMap } from '../util/bounded-map.ts';

interface MemoEntry {
  /** The exact text that verified. */
  text: string;
  name: string;
  /** The verified value (signed) or plaintext JSON (sealed). */
  value: string;
  /** Expiry in ms since the epoch, or Infinity. */
  expiresAt: number;
}

/** Longest text remembered: a cookie can't be longer anyway. */
const MAX_TEXT = 4096;

/**
 * Entries are found by the text's last characters (MAC or tag bytes, 132
 * bits) and then compared whole: a cookie value is a fresh slice of the
 * header on every request, and a Map hashes a fresh string in full before
 * it compares — for a session cookie that was most of the lookup.
 */
const KEY_CHARS = 22;
const keyOf = (text: string): string => text.slice(-KEY_CHARS);

export class VerifiedMemo {
  readonly #entries: BoundedMap<string, MemoEntry>;
  /**
   * The entry the last hit found, while it is in the map: the engine hands
   * the same cookie string on every request of a returning client, and a
   * string identical to the entry's text needs no key slice or hash.
   */
  #last: MemoEntry | undefined;

  constructor(capacity: number) {
    this.#entries = new BoundedMap(capacity);
  }

  /** The remembered value, or undefined (unknown, other cookie, or expired). */
  get(text: string, name: string, now: number): string | undefined {
    const last = this.#last;
    const entry = last !== undefined && last.text === text ? last : this.#entries.get(keyOf(text));
    if (entry === undefined || entry.text !== text || entry.name !== name) return undefined;
    if (now >= entry.expiresAt) {
      this.#entries.delete(keyOf(text));
      this.#last = undefined;
      return undefined;
    }
    this.#last = entry;
    return entry.value;
  }

  set(text: string, name: string, value: string, expiresAt: number): void {
    if (text.length > MAX_TEXT) return;
    // A set may evict the remembered entry: forget it.
    this.#last = undefined;
    this.#entries.set(keyOf(text), { text, name, value, expiresAt });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#last = undefined;
    this.#entries.clear();
  }
}
