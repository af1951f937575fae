/**
 * `KVStore`: sessions in Cloudflare Workers KV.
 *
 * KV is eventually consistent: a write is visible at once in the location
 * that made it, elsewhere within about 60 seconds. What that means here, and
 * what the store does about it:
 *
 * - Logout (`delete`) is final at once in the location that made it, and
 *   within ~60 s elsewhere.
 * - "Sign out everywhere" (`deleteByUser`) writes a per-user revocation
 *   time that every read checks, so it does not depend on `list()` being
 *   fresh and costs a bounded number of KV operations; it is final within
 *   ~60 s everywhere.
 * - `update` applies patches to the record as read right before the write,
 *   and coalesces the patches of one isolate to the same key into one write
 *   (KV takes one write per key per second): concurrent requests served by
 *   one isolate lose nothing. Across isolates, the last write wins.
 *
 * Use the Durable Object store when that is not enough.
 */
import { bindingMessage } from '../../session/setup-check.ts';
import { checkOptionNames } from '../../util/options.ts';
import { utf8 } from '../../crypto/bytes.ts';
import { sha256Base64url } from '../../crypto/digest.ts';
import { applyPatch } from '../../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { backoff, sleep } from '../../util/backoff.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { parseJson } from '../../util/parse-json.ts';
import { WriteQueue } from './queue.ts';

/** The part of a Workers KV binding the store uses. */
export interface KVNamespaceLike {
  get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null>;
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
  keyPrefix?: string;
  /** @deprecated Renamed `keyPrefix`; accepted, with a warning, until the next minor release. */
  prefix?: string;
  /**
   * Let KV cache reads at the edge for this many seconds (≥ 60). Faster
   * reads, but a logout may take that long to be seen elsewhere.
   */
  cacheTtl?: number;
  /** Attempts for a write that KV refuses with 429 (one write per key per second). Default 4. */
  attempts?: number;
  /** First backoff delay in ms (full jitter, doubling per attempt). Default 250. */
  backoffMs?: number;
  /** @deprecated Renamed `backoffMs`; accepted, with a warning, until the next minor release. */
  backoff?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

const KV_OPTIONS = ['keyPrefix', 'cacheTtl', 'attempts', 'backoffMs', 'now'];

/** KV's shortest expirationTtl. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV's longest key. */
const MAX_KEY_BYTES = 512;
/** Length of a store key: base64url SHA-256. */
const HASHED_ID_LENGTH = 43;
/** KV accepts one write per key per second. */
const MIN_WRITE_SPACING = 1000;
/** Longest backoff between attempts, in ms. */
const MAX_BACKOFF = 4000;
/**
 * Sessions `deleteByUser` deletes one by one (3 KV operations each); the
 * revocation time makes every other one dead at once. Keeps a call well
 * inside a Worker invocation's 1 000 KV operations.
 */
export const KV_MAX_DELETIONS_PER_CALL = 250;

function isRateLimited(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\b429\b|too many requests/i.test(message);
}

/** What every KVStore over one binding shares in an isolate: apps often build the store per request. */
interface BindingState {
  /** Last write time per KV key. */
  lastWrite: BoundedMap<string, number>;
  /** Deletions per KV key, counted, so a write in flight can tell one happened. */
  deletions: BoundedMap<string, number>;
  /** Pending patches per KV key. */
  queues: Map<string, WriteQueue<SessionPatch, boolean>>;
}

const bindings = new WeakMap<KVNamespaceLike, BindingState>();
const MAX_REMEMBERED = 10_000;

function stateOf(kv: KVNamespaceLike): BindingState {
  let state = bindings.get(kv);
  if (state === undefined) {
    state = {
      lastWrite: new BoundedMap(MAX_REMEMBERED),
      deletions: new BoundedMap(MAX_REMEMBERED),
      queues: new Map(),
    };
    bindings.set(kv, state);
  }
  return state;
}

/** When a session's user last authenticated in it: what a revocation time is compared with. */
const authenticatedAt = (record: SessionRecord): number => record.authenticatedAt ?? record.createdAt;

/**
 * Session store on Workers KV. Keys are `prefix + SHA-256(id)`; records
 * expire in KV with the session (never sooner than KV's 60-second minimum —
 * the engine still checks expiry itself). Users are indexed with one extra
 * key per session under `prefix + "user:"`, and revoked with one key per user
 * under `prefix + "revoked:"`.
 */
export class KVStore implements SessionStore {
  readonly #kv: KVNamespaceLike;
  readonly #prefix: string;
  readonly #cacheTtl: number | undefined;
  readonly #attempts: number;
  readonly #backoff: number;
  readonly #now: () => number;
  readonly #shared: BindingState;

  constructor(namespace: KVNamespaceLike, options: KVStoreOptions = {}) {
    if (namespace === null || typeof namespace !== 'object' || typeof namespace.get !== 'function') {
      throw new TypeError(
        bindingMessage('KVStore', 'KV namespace', '[[kv_namespaces]] binding = "…"', namespace),
      );
    }
    const spelled = options.prefix === undefined ? 'keyPrefix' : 'prefix';
    options = checkOptionNames('KVStore', options, KV_OPTIONS, { prefix: 'keyPrefix', backoff: 'backoffMs' });
    const prefix = options.keyPrefix ?? 'session:';
    if (
      typeof prefix !== 'string' ||
      utf8(`${prefix}revoked:`).length + 2 * HASHED_ID_LENGTH + 1 > MAX_KEY_BYTES
    ) {
      throw new TypeError(`KVStore: option ${spelled} is too long for KV keys (512 bytes)`);
    }
    if (options.cacheTtl !== undefined && !(Number.isInteger(options.cacheTtl) && options.cacheTtl >= 60)) {
      throw new TypeError('KVStore: option cacheTtl must be a whole number of seconds, at least 60');
    }
    const attempts = options.attempts ?? 4;
    if (!Number.isInteger(attempts) || attempts < 1)
      throw new TypeError('KVStore: option attempts must be a positive whole number');
    this.#kv = namespace;
    this.#prefix = prefix;
    this.#cacheTtl = options.cacheTtl;
    this.#attempts = attempts;
    this.#backoff = options.backoffMs ?? 250;
    this.#now = options.now ?? Date.now;
    this.#shared = stateOf(namespace);
  }

  /** The record, unless its user was revoked ("sign out everywhere") after it authenticated. */
  async get(key: string): Promise<SessionRecord | null> {
    const record = await this.#read(this.#prefix + key);
    if (record === null || record.userId === undefined) return record;
    return authenticatedAt(record) > (await this.#revokedAt(record.userId)) ? record : null;
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    await this.#writeRecord(key, record, expiresAt);
  }

  /**
   * Applies `patch` to the live record; false, writing nothing, when there is
   * none. Patches to one key in this isolate are queued and written together,
   * at most once a second, each applied to the record as read right before
   * the write.
   */
  update(key: string, patch: SessionPatch): Promise<boolean> {
    const full = this.#prefix + key;
    const queues = this.#shared.queues;
    let queue = queues.get(full);
    if (queue === undefined) {
      queue = new WriteQueue(
        (patches) => this.#applyBatch(key, patches),
        () => this.#spacing(full),
      );
      queue.onIdle = () => queues.delete(full);
      queues.set(full, queue);
    }
    return queue.add(patch);
  }

  /**
   * A touch is a rewrite in KV: skipped if this isolate wrote the key less
   * than a second ago, or if the record is gone (a logout must not be undone
   * by a touch that raced it).
   */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const last = this.#shared.lastWrite.get(this.#prefix + key);
    if (last !== undefined && this.#now() - last < MIN_WRITE_SPACING) return;
    if ((await this.get(key)) === null) return;
    await this.set(key, record, expiresAt);
  }

  async delete(key: string): Promise<void> {
    const full = this.#prefix + key;
    this.#shared.deletions.set(full, (this.#shared.deletions.get(full) ?? 0) + 1);
    this.#shared.lastWrite.delete(full);
    await this.#retry(() => this.#kv.delete(full));
  }

  /** Live sessions of a user (index entries whose session moved on are dropped). */
  async listByUser(userId: string): Promise<string[]> {
    const prefix = await this.#indexPrefix(userId);
    const keys = await this.#indexed(prefix, Infinity);
    const [records, revokedAt] = await Promise.all([
      Promise.all(keys.map((key) => this.#read(this.#prefix + key))),
      this.#revokedAt(userId),
    ]);
    const now = this.#now();
    const live = keys.filter((_, i) => {
      const record = records[i];
      return (
        record != null &&
        record.userId === userId &&
        record.expiresAt > now &&
        authenticatedAt(record) > revokedAt
      );
    });
    const stale = keys.filter((key) => !live.includes(key));
    await Promise.all(stale.map((key) => this.#retry(() => this.#kv.delete(prefix + key))));
    return live;
  }

  /**
   * Revokes every session of a user. One write records the revocation time,
   * which every read checks, so sessions `list()` does not show yet (created
   * seconds ago, or elsewhere) are revoked too; then up to
   * {@link KV_MAX_DELETIONS_PER_CALL} listed sessions are deleted outright.
   * Resolves to how many sessions the index listed.
   */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const revokedAt = this.#now();
    if (options.except !== undefined) await this.#outliveRevocation(options.except, userId, revokedAt);
    const revokedKey = await this.#revokedKey(userId);
    await this.#retry(() => this.#kv.put(revokedKey, JSON.stringify(revokedAt)));
    const prefix = await this.#indexPrefix(userId);
    const keys = (await this.#indexed(prefix, KV_MAX_DELETIONS_PER_CALL + 2)).filter(
      (key) => key !== options.except,
    );
    const chosen = keys.slice(0, KV_MAX_DELETIONS_PER_CALL);
    const records = await Promise.all(chosen.map((key) => this.#read(this.#prefix + key)));
    // A session that changed hands since it was indexed belongs to its new user now.
    const owned = chosen.filter((_, i) => records[i]?.userId === userId);
    await Promise.all([
      ...owned.map((key) => this.delete(key)),
      ...chosen.map((key) => this.#retry(() => this.#kv.delete(prefix + key))),
    ]);
    return keys.length;
  }

  /** The kept session of "sign out everywhere else" authenticates after the revocation time, so it survives it. */
  async #outliveRevocation(key: string, userId: string, revokedAt: number): Promise<void> {
    const record = await this.get(key);
    if (record === null || record.userId !== userId) return;
    const authenticatedAt = Math.max(record.authenticatedAt ?? record.createdAt, revokedAt) + 1;
    await sleep(this.#spacing(this.#prefix + key)); // KV: one write per key per second
    await this.#writeRecord(key, { ...record, authenticatedAt }, record.expiresAt);
  }

  /** When the user was last revoked ("sign out everywhere"), or null: one small, edge-cacheable read. */
  async revokedAt(userId: string): Promise<number | null> {
    const at = await this.#revokedAt(userId);
    return at === -Infinity ? null : at;
  }

  /** The JSON under `fullKey`, read as text and parsed here (see `parseJson`), or null. */
  async #json(fullKey: string): Promise<unknown> {
    const options =
      this.#cacheTtl === undefined
        ? { type: 'text' as const }
        : { type: 'text' as const, cacheTtl: this.#cacheTtl };
    const text = await this.#kv.get(fullKey, options);
    return text === null ? null : parseJson(text);
  }

  async #read(fullKey: string): Promise<SessionRecord | null> {
    const value = await this.#json(fullKey);
    return typeof value === 'object' && value !== null ? (value as SessionRecord) : null;
  }

  /** When the user was last revoked ("sign out everywhere"), or -Infinity. */
  async #revokedAt(userId: string): Promise<number> {
    const value = await this.#json(await this.#revokedKey(userId));
    return typeof value === 'number' ? value : -Infinity;
  }

  async #writeRecord(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const full = this.#prefix + key;
    const expirationTtl = this.#ttl(expiresAt);
    await this.#retry(() => this.#kv.put(full, JSON.stringify(record), { expirationTtl }));
    this.#shared.lastWrite.set(full, this.#now());
    if (record.userId !== undefined) {
      const indexKey = (await this.#indexPrefix(record.userId)) + key;
      await this.#retry(() => this.#kv.put(indexKey, '1', { expirationTtl }));
    }
  }

  /** Ms to wait before the next write to `fullKey` (KV's one write per key per second). */
  #spacing(fullKey: string): number {
    const last = this.#shared.lastWrite.get(fullKey);
    return last === undefined
      ? 0
      : Math.max(0, Math.min(MIN_WRITE_SPACING, last + MIN_WRITE_SPACING - this.#now()));
  }

  /** Reads the record once, applies every queued patch in order, writes once. */
  async #applyBatch(key: string, patches: SessionPatch[]): Promise<boolean[]> {
    const full = this.#prefix + key;
    const deletionsBefore = this.#shared.deletions.get(full);
    let record = await this.get(key);
    const applied = patches.map((patch) => {
      const next = applyPatch(record, patch);
      if (next !== null) record = next;
      return next !== null;
    });
    // Deleted in this isolate while we read: a logout is never undone.
    if (!applied.includes(true) || this.#shared.deletions.get(full) !== deletionsBefore)
      return patches.map(() => false);
    await this.#writeRecord(key, record!, record!.expiresAt);
    return applied;
  }

  async #indexed(prefix: string, limit: number): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#kv.list(cursor === undefined ? { prefix } : { prefix, cursor });
      for (const entry of page.keys) keys.push(entry.name.slice(prefix.length));
      cursor = page.list_complete || keys.length >= limit ? undefined : page.cursor;
    } while (cursor !== undefined);
    return keys;
  }

  /** Index keys carry the user id hashed, so keys stay short and carry no personal data. */
  async #indexPrefix(userId: string): Promise<string> {
    return `${this.#prefix}user:${await sha256Base64url(userId)}:`;
  }

  async #revokedKey(userId: string): Promise<string> {
    return `${this.#prefix}revoked:${await sha256Base64url(userId)}`;
  }

  /** Seconds until `expiresAt`, never below KV's 60-second minimum. */
  #ttl(expiresAt: number): number {
    return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((expiresAt - this.#now()) / 1000));
  }

  /** Runs a KV write, retrying 429s with jittered backoff so competing writers spread apart. */
  async #retry(write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= this.#attempts || !isRateLimited(error)) throw error;
        await backoff(attempt, this.#backoff, Math.max(this.#backoff, MAX_BACKOFF));
      }
    }
  }
}
