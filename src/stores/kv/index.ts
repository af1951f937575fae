/**
 * `KVStore`: sessions in Cloudflare Workers KV.
 *
 * KV is eventually consistent and last-writer-wins: a write is visible at
 * once in the location that made it, elsewhere after about 60 seconds (KV
 * promises no hard bound). What that means here, and what the store does:
 *
 * - A read-only request never rewrites the record: its sliding expiry goes
 *   to a small "last seen" key (`lifetime.ts`), so a location that has not
 *   yet seen a logout cannot write the session back.
 * - Logout (`delete`) removes the record and leaves an end marker that every
 *   read checks without KV's `cacheTtl`: final at once where it was made,
 *   after KV's propagation (~60 s) elsewhere, whatever `cacheTtl` is. A data
 *   write at a location that has not seen the logout yet may put the record
 *   back, but reads refuse it while the marker lasts.
 * - "Sign out everywhere" (`deleteByUser`) writes a per-user revocation time
 *   that every read checks, so it does not depend on `list()` being fresh
 *   and costs a bounded number of KV operations; final after ~60 s
 *   everywhere.
 * - `update` applies patches to the record as read right before the write,
 *   and coalesces the patches of one isolate to the same key into one write
 *   (KV takes one write per key per second): concurrent requests served by
 *   one isolate lose nothing. Across isolates, the last write wins.
 *
 * Use the Durable Object store when that is not enough.
 */
import { bindingMessage } from '../../session/options/setup-check.ts';
import { checkOptionNames } from '../../util/options.ts';
import {
  applyPatch,
  assertRecordSize,
  DEFAULT_MAX_RECORD_BYTES,
  renewRecord,
  revocationMark,
} from '../../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { sleep } from '../../util/backoff.ts';
import { learnAbsolute, stateOf } from './binding.ts';
import { Keys, prefixFits } from './keys.ts';
import { asRecord, isTouchOnly, keepUntil } from './lifetime.ts';
import { type KVNamespaceLike, Namespace } from './namespace.ts';
import { Records } from './records.ts';
import { WriteQueue } from './queue.ts';

export type { KVNamespaceLike } from './namespace.ts';
export { KV_MIN_TTL_SECONDS } from './records.ts';

/** Options for {@link KVStore}. */
export interface KVStoreOptions {
  /** Prefix of every key this store writes. Default `session:`. */
  keyPrefix?: string;
  /** @deprecated Renamed `keyPrefix`; accepted, with a warning, until the next minor release. */
  prefix?: string;
  /**
   * Let KV serve record reads from its edge cache for this many seconds
   * (≥ 60): faster reads of data that may be that old. End markers and
   * revocation times are never read through it, so a logout is not delayed.
   */
  cacheTtl?: number;
  /** Attempts for a write that KV refuses with 429 (one write per key per second). Default 4. */
  attempts?: number;
  /** First backoff delay in ms (full jitter, doubling per attempt). Default 250. */
  backoffMs?: number;
  /** @deprecated Renamed `backoffMs`; accepted, with a warning, until the next minor release. */
  backoff?: number;
  /** Largest record (bytes of its JSON) a write may store; larger writes throw. Default 128 KiB. */
  maxRecordBytes?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/** KV's largest value. */
const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024;

const KV_OPTIONS = ['keyPrefix', 'cacheTtl', 'attempts', 'backoffMs', 'maxRecordBytes', 'now'];
/**
 * Sessions `deleteByUser` deletes one by one (3 KV operations each); the
 * revocation time makes every other one dead at once. Keeps a call well
 * inside a Worker invocation's 1 000 KV operations.
 */
export const KV_MAX_DELETIONS_PER_CALL = 250;

/**
 * Session store on Workers KV. Keys are `prefix + SHA-256(id)`; see
 * `keys.ts` for the others (last seen, end markers, the user index and
 * revocation times). Records stay in KV until the session's absolute
 * deadline; the engine still checks expiry itself.
 */
export class KVStore implements SessionStore {
  readonly #r: Records;
  readonly #maxRecordBytes: number;

  constructor(namespace: KVNamespaceLike, options: KVStoreOptions = {}) {
    if (namespace === null || typeof namespace !== 'object' || typeof namespace.get !== 'function') {
      throw new TypeError(
        bindingMessage('KVStore', 'KV namespace', '[[kv_namespaces]] binding = "…"', namespace),
      );
    }
    const spelled = options.prefix === undefined ? 'keyPrefix' : 'prefix';
    options = checkOptionNames('KVStore', options, KV_OPTIONS, { prefix: 'keyPrefix', backoff: 'backoffMs' });
    const prefix = options.keyPrefix ?? 'session:';
    if (typeof prefix !== 'string' || !prefixFits(prefix)) {
      throw new TypeError(`KVStore: option ${spelled} is too long for KV keys (512 bytes)`);
    }
    if (options.cacheTtl !== undefined && !(Number.isInteger(options.cacheTtl) && options.cacheTtl >= 60)) {
      throw new TypeError('KVStore: option cacheTtl must be a whole number of seconds, at least 60');
    }
    const attempts = options.attempts ?? 4;
    if (!Number.isInteger(attempts) || attempts < 1)
      throw new TypeError('KVStore: option attempts must be a positive whole number');
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1 || maxRecordBytes > KV_MAX_VALUE_BYTES) {
      throw new TypeError(
        `KVStore: option maxRecordBytes must be a whole number of bytes from 1 to ${KV_MAX_VALUE_BYTES} (KV's largest value)`,
      );
    }
    const ns = new Namespace(namespace, options.cacheTtl, attempts, options.backoffMs ?? 250);
    this.#r = new Records(ns, new Keys(prefix), options.now ?? Date.now, stateOf(namespace));
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** The record as last seen, unless it was deleted or its user revoked ("sign out everywhere") since it authenticated. */
  get(key: string): Promise<SessionRecord | null> {
    return this.#r.live(key, 'cached');
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const text = JSON.stringify(record);
    assertRecordSize('KVStore', text, this.#maxRecordBytes);
    const until = Math.max(expiresAt, keepUntil(record, this.#r.shared.absoluteMs));
    await this.#r.write(key, record, text, until);
  }

  /**
   * Applies `patch` to the live record; false, writing nothing, when there is
   * none. A patch that only moves the time (a read-only request's touch)
   * writes the last-seen key, never the record. Patches with data to one key
   * in this isolate are queued and written together, at most once a second,
   * each applied to the record as read right before the write.
   */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    learnAbsolute(this.#r.shared, patch);
    if (isTouchOnly(patch)) {
      const next = applyPatch(await this.#r.live(key, 'cached'), patch);
      if (next !== null) await this.#r.writeLastSeen(key, next);
      return next !== null;
    }
    const full = this.#r.keys.record(key);
    const queues = this.#r.shared.queues;
    let queue = queues.get(full);
    if (queue === undefined) {
      queue = new WriteQueue(
        (patches) => this.#applyBatch(key, patches),
        () => this.#r.spacing(full),
      );
      queue.onIdle = () => queues.delete(full);
      queues.set(full, queue);
    }
    const result = await queue.add(patch);
    if (result instanceof Error) throw result;
    return result;
  }

  /** Records activity in the last-seen key only (see `lifetime.ts`); nothing when the record is gone. */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const stored = await this.#r.live(key, 'cached');
    if (stored === null) return;
    await this.#r.writeLastSeen(key, { ...stored, lastSeenAt: record.lastSeenAt, expiresAt }, true);
  }

  /** Deletes the record and leaves its end marker for `END_MARKER_MS` (what `hasEnded` and every read check). */
  async delete(key: string): Promise<void> {
    await Promise.all([this.#r.markEnded(key), this.#r.delete(key)]);
  }

  /**
   * `regenerate()`: the live record under `fromKey`, read past KV's edge
   * cache, renewed under `toKey`; then `fromKey` is deleted as `delete`
   * does. KV has no atomics: a location that has not yet seen a logout of
   * `fromKey` (~60 s) may still move it, and a write to `fromKey` landing
   * between the read and the delete is not carried over.
   */
  async move(fromKey: string, toKey: string, patch: SessionPatch): Promise<boolean> {
    learnAbsolute(this.#r.shared, patch);
    const next = renewRecord(await this.#r.live(fromKey, 'fresh'), patch);
    if (next === null) return false;
    const text = JSON.stringify(next);
    assertRecordSize('KVStore', text, this.#maxRecordBytes);
    await this.#r.write(toKey, next, text, keepUntil(next, patch.absoluteMs));
    await this.delete(fromKey);
    return true;
  }

  /**
   * Whether the session a copy (`record`) was made of has ended: its end
   * marker, or a revocation of its user at or after the copy's
   * `revocationMark`. Both read past KV's edge cache, in parallel.
   */
  async hasEnded(key: string, record: SessionRecord): Promise<boolean> {
    const [ended, revokedAt] = await Promise.all([
      this.#r.ended(key),
      record.userId === undefined ? -Infinity : this.#r.revokedAt(record.userId),
    ]);
    return ended || revocationMark(record) <= revokedAt;
  }

  /** Live sessions of a user (index entries whose session moved on are dropped). */
  async listByUser(userId: string): Promise<string[]> {
    const prefix = await this.#r.keys.indexPrefix(userId);
    const keys = await this.#r.ns.names(prefix, Infinity);
    const [records, revokedAt] = await Promise.all([
      Promise.all(keys.map((key) => this.#r.stored(key, 'cached'))),
      this.#r.revokedAt(userId),
    ]);
    const now = this.#r.now();
    const live = keys.filter((_, i) => {
      const record = records[i];
      return (
        record != null &&
        record.userId === userId &&
        record.expiresAt > now &&
        revocationMark(record) > revokedAt
      );
    });
    const stale = keys.filter((key) => !live.includes(key));
    await Promise.all(stale.map((key) => this.#r.ns.delete(prefix + key)));
    return live;
  }

  /**
   * Revokes every session of a user. One write records the revocation time,
   * which every read checks, so sessions `list()` does not show yet (created
   * seconds ago, or elsewhere) are revoked too; then up to
   * {@link KV_MAX_DELETIONS_PER_CALL} listed sessions are deleted outright
   * (no end markers: the revocation time already ends them for `hasEnded`).
   * Resolves to how many sessions the index listed.
   */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const revokedAt = this.#r.now();
    if (options.except !== undefined) await this.#keep(options.except, userId, revokedAt);
    await this.#r.ns.put(await this.#r.keys.revoked(userId), JSON.stringify(revokedAt));
    const prefix = await this.#r.keys.indexPrefix(userId);
    const keys = (await this.#r.ns.names(prefix, KV_MAX_DELETIONS_PER_CALL + 2)).filter(
      (key) => key !== options.except,
    );
    const chosen = keys.slice(0, KV_MAX_DELETIONS_PER_CALL);
    const records = await Promise.all(
      chosen.map(async (key) => asRecord(await this.#r.ns.json(this.#r.keys.record(key), 'cached'))),
    );
    // A session that changed hands since it was indexed belongs to its new user now.
    const owned = chosen.filter((_, i) => records[i]?.userId === userId);
    await Promise.all([
      ...owned.map((key) => this.#r.delete(key)),
      ...chosen.map((key) => this.#r.ns.delete(prefix + key)),
    ]);
    return keys.length;
  }

  /**
   * The kept session of "sign out everywhere else" survives the revocation
   * through `keptAt` (after the revocation time); `authenticatedAt` stays
   * as it was. A session already revoked is not brought back.
   */
  async #keep(key: string, userId: string, revokedAt: number): Promise<void> {
    const record = await this.#r.live(key, 'fresh');
    if (record === null || record.userId !== userId) return;
    const next: SessionRecord = { ...record, keptAt: Math.max(record.keptAt ?? 0, revokedAt + 1) };
    await sleep(this.#r.spacing(this.#r.keys.record(key))); // KV: one write per key per second
    await this.#r.write(key, next, JSON.stringify(next), keepUntil(next, this.#r.shared.absoluteMs));
  }

  /** When the user was last revoked ("sign out everywhere"), or null: one small read past KV's edge cache. */
  async revokedAt(userId: string): Promise<number | null> {
    const at = await this.#r.revokedAt(userId);
    return at === -Infinity ? null : at;
  }

  /**
   * Reads the record once, applies every queued patch in order, writes once.
   * A patch that would take the record over `maxRecordBytes` is refused on
   * its own (its caller gets the error); the others still land.
   */
  async #applyBatch(key: string, patches: SessionPatch[]): Promise<(boolean | Error)[]> {
    const full = this.#r.keys.record(key);
    const deletionsBefore = this.#r.shared.deletions.get(full);
    let record = await this.#r.live(key, 'fresh');
    let text: string | undefined;
    const results = patches.map((patch): boolean | Error => {
      const next = applyPatch(record, patch);
      if (next === null) return false;
      // applyPatch knows nothing of keptAt: a kept session stays kept through its writes.
      if (record!.keptAt !== undefined) next.keptAt = record!.keptAt;
      const nextText = JSON.stringify(next);
      try {
        assertRecordSize('KVStore', nextText, this.#maxRecordBytes);
      } catch (error) {
        return error as Error;
      }
      record = next;
      text = nextText;
      return true;
    });
    if (text === undefined) return results;
    // Deleted in this isolate while we read: a logout is never undone.
    if (this.#r.shared.deletions.get(full) !== deletionsBefore) return patches.map(() => false);
    const absoluteMs = patches[patches.length - 1]!.absoluteMs;
    await this.#r.write(key, record!, text, keepUntil(record!, absoluteMs));
    return results;
  }
}
