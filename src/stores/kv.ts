/**
 * `KVStore`: sessions in Cloudflare Workers KV.
 *
 * KV is eventually consistent: a write is visible at once in the location
 * that made it, elsewhere within about 60 seconds. A logout or revocation may
 * therefore take that long to be seen in other locations, and two requests
 * that write one session at the same time keep only the last write (KV has no
 * atomic update). Use the Durable Object store when that matters.
 */
import { utf8 } from '../crypto/bytes.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import type { SessionRecord, SessionStore } from '../session/types.ts';
import { sleep } from '../util/backoff.ts';
import { BoundedMap } from '../util/bounded-map.ts';

/** The part of a Workers KV binding the store uses. */
export interface KVNamespaceLike {
  get(key: string, options: { type: 'json'; cacheTtl?: number }): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; cursor?: string | null; limit?: number }): Promise<{
    keys: { name: string; expiration?: number }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

/** Options for {@link KVStore}. */
export interface KVStoreOptions {
  /** Prefix of every key this store writes. Default `session:`. */
  prefix?: string;
  /**
   * Let KV cache reads at the edge for this many seconds (≥ 60). Faster
   * reads, but a logout may take that long to be seen elsewhere.
   */
  cacheTtl?: number;
  /** Attempts for a write that KV refuses with 429 (one write per key per second). Default 4. */
  attempts?: number;
  /** First backoff delay in ms, doubled per attempt. Default 250. */
  backoff?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/** KV's shortest expirationTtl. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV's longest key. */
const MAX_KEY_BYTES = 512;
/** Length of a store key: base64url SHA-256. */
const HASHED_ID_LENGTH = 43;
/** KV accepts one write per key per second; touches closer than this are skipped. */
const MIN_TOUCH_SPACING = 1000;

function isRateLimited(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\b429\b|too many requests/i.test(message);
}

/** Last write time per key, per KV binding, for this isolate. */
const lastWrites = new WeakMap<KVNamespaceLike, BoundedMap<string, number>>();
/** Keys whose last write time an isolate remembers per binding. */
const MAX_REMEMBERED_WRITES = 10_000;

/**
 * Session store on Workers KV. Keys are `prefix + SHA-256(id)`; records
 * expire in KV with the session (never sooner than KV's 60-second minimum —
 * the engine still checks expiry itself). Users are indexed with one extra
 * key per session under `prefix + "user:"`.
 */
export class KVStore implements SessionStore {
  readonly #kv: KVNamespaceLike;
  readonly #prefix: string;
  readonly #cacheTtl: number | undefined;
  readonly #attempts: number;
  readonly #backoff: number;
  readonly #now: () => number;
  /** Last write per key in this isolate, to space out touches. */
  readonly #lastWrite: BoundedMap<string, number>;

  constructor(namespace: KVNamespaceLike, options: KVStoreOptions = {}) {
    if (namespace === null || typeof namespace !== 'object' || typeof namespace.get !== 'function') {
      throw new TypeError('KVStore: the first argument must be a KV namespace binding');
    }
    const prefix = options.prefix ?? 'session:';
    const longest = utf8(`${prefix}user:`).length + 2 * HASHED_ID_LENGTH + 1;
    if (typeof prefix !== 'string' || longest > MAX_KEY_BYTES) throw new TypeError('KVStore: option prefix is too long for KV keys (512 bytes)');
    if (options.cacheTtl !== undefined && !(Number.isInteger(options.cacheTtl) && options.cacheTtl >= 60)) {
      throw new TypeError('KVStore: option cacheTtl must be a whole number of seconds, at least 60');
    }
    const attempts = options.attempts ?? 4;
    if (!Number.isInteger(attempts) || attempts < 1) throw new TypeError('KVStore: option attempts must be a positive whole number');
    this.#kv = namespace;
    this.#prefix = prefix;
    this.#cacheTtl = options.cacheTtl;
    this.#attempts = attempts;
    this.#backoff = options.backoff ?? 250;
    this.#now = options.now ?? Date.now;
    // Shared by every store over the same binding: apps often build the store per request.
    let writes = lastWrites.get(namespace);
    if (writes === undefined) lastWrites.set(namespace, (writes = new BoundedMap(MAX_REMEMBERED_WRITES)));
    this.#lastWrite = writes;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const options = this.#cacheTtl === undefined ? { type: 'json' as const } : { type: 'json' as const, cacheTtl: this.#cacheTtl };
    const value = await this.#kv.get(this.#prefix + key, options);
    return typeof value === 'object' && value !== null ? (value as SessionRecord) : null;
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const expirationTtl = this.#ttl(expiresAt);
    await this.#retry(() => this.#kv.put(this.#prefix + key, JSON.stringify(record), { expirationTtl }));
    this.#lastWrite.set(key, this.#now());
    if (record.userId !== undefined) {
      const userKey = await this.#userKey(record.userId, key);
      await this.#retry(() => this.#kv.put(userKey, '1', { expirationTtl }));
    }
  }

  /**
   * A touch is a rewrite in KV: skipped if this isolate wrote the key less
   * than a second ago, or if the record is gone (a logout must not be undone
   * by a touch that raced it — as far as KV's consistency allows).
   */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const last = this.#lastWrite.get(key);
    if (last !== undefined && this.#now() - last < MIN_TOUCH_SPACING) return;
    if ((await this.get(key)) === null) return;
    await this.set(key, record, expiresAt);
  }

  async delete(key: string): Promise<void> {
    this.#lastWrite.delete(key);
    await this.#retry(() => this.#kv.delete(this.#prefix + key));
  }

  /** Live sessions of a user (index entries whose session moved on are dropped). */
  async listByUser(userId: string): Promise<string[]> {
    const prefix = await this.#userKey(userId, '');
    const keys = await this.#indexed(prefix);
    const records = await Promise.all(keys.map((key) => this.get(key)));
    const now = this.#now();
    const live = keys.filter((_, i) => records[i]?.userId === userId && records[i]!.expiresAt > now);
    const stale = keys.filter((key) => !live.includes(key));
    await Promise.all(stale.map((key) => this.#retry(() => this.#kv.delete(prefix + key))));
    return live;
  }

  /** Deletes every indexed session of a user, whatever state the index is in. */
  async deleteByUser(userId: string): Promise<number> {
    const prefix = await this.#userKey(userId, '');
    const keys = await this.#indexed(prefix);
    const records = await Promise.all(keys.map((key) => this.get(key)));
    const owned = keys.filter((_, i) => records[i]?.userId === userId);
    await Promise.all([
      ...owned.map((key) => this.delete(key)),
      ...keys.map((key) => this.#retry(() => this.#kv.delete(prefix + key))),
    ]);
    return owned.length;
  }

  async #indexed(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#kv.list(cursor === undefined ? { prefix } : { prefix, cursor });
      for (const entry of page.keys) keys.push(entry.name.slice(prefix.length));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
    return keys;
  }

  /** Index key: the user id hashed, so keys stay short and carry no personal data. */
  async #userKey(userId: string, key: string): Promise<string> {
    return `${this.#prefix}user:${await sha256Base64url(userId)}:${key}`;
  }

  /** Seconds until `expiresAt`, never below KV's 60-second minimum. */
  #ttl(expiresAt: number): number {
    return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((expiresAt - this.#now()) / 1000));
  }

  async #retry(write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= this.#attempts || !isRateLimited(error)) throw error;
        await sleep(this.#backoff * 2 ** (attempt - 1));
      }
    }
  }
}
