/**
 * `MemoryStore`: sessions in this process's memory. Bounded and swept of
 * expired records, it is the default for development and single-process
 * servers; it is not shared between Workers isolates.
 *
 * When full, it evicts sessions without a user (anonymous visitors: a CSRF
 * token on a public page creates one) before sessions with a user, and within
 * each group the least recently used first — so a flood of anonymous
 * requests cannot push logged-in users out.
 */
import { checkOptionNames } from '../util/options.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import { cloneJson } from './json.ts';
import { applyPatch, END_MARKER_MS, renewRecord, revocationMark } from './record.ts';
import { peekRecord, updateOwned } from './backend/fast-paths.ts';
import type { SessionPatch, SessionRecord, SessionStore } from './types.ts';

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most sessions kept; anonymous ones, then the least recently used, are evicted first. Default 10 000. */
  maxEntries?: number;
  /** How often (ms) a write sweeps out expired records. Default 60 000. */
  sweepIntervalMs?: number;
  /** @deprecated Renamed `sweepIntervalMs`; accepted, with a warning, until the next minor release. */
  sweepInterval?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  /**
   * The record. Never handed out: readers get copies, and the engine (through
   * `peekRecord`) only reads it. Patches produce a new record, so a record
   * object never changes once stored.
   */
  record: SessionRecord;
  expiresAt: number;
  userId: string | undefined;
}

/**
 * An in-process store. Every method runs to completion without awaiting, so
 * concurrent requests in one process see each update whole (`update` is
 * atomic).
 */
export class MemoryStore implements SessionStore {
  readonly #entries = new Map<string, Entry>();
  /** Keys of sessions without a user, least recently used first (a Set keeps insertion order). */
  readonly #anonymous = new Set<string>();
  /** Keys of sessions with a user, least recently used first. */
  readonly #withUser = new Set<string>();
  readonly #byUser = new Map<string, Set<string>>();
  /** When each user was last revoked (`deleteByUser`), bounded like the sessions. */
  readonly #revoked: BoundedMap<string, number>;
  /** When each recently ended session (deleted, revoked, evicted, moved away) ended: `hasEnded` for read cache copies. */
  readonly #ended: BoundedMap<string, number>;
  readonly #maxEntries: number;
  readonly #sweepInterval: number;
  readonly #now: () => number;
  #lastSweep: number;
  /** The key `#used` saw last: a request's write right after its read need not move it again. */
  #lastUsed: string | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    options = checkOptionNames('MemoryStore', options, ['maxEntries', 'sweepIntervalMs', 'now'], {
      sweepInterval: 'sweepIntervalMs',
    });
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new TypeError('MemoryStore: option maxEntries must be a positive whole number');
    const sweepInterval = options.sweepIntervalMs ?? 60_000;
    if (!(sweepInterval >= 0))
      throw new TypeError('MemoryStore: option sweepIntervalMs must be a non-negative number of ms');
    this.#maxEntries = maxEntries;
    this.#revoked = new BoundedMap(maxEntries);
    this.#ended = new BoundedMap(maxEntries);
    this.#sweepInterval = sweepInterval;
    this.#now = options.now ?? Date.now;
    this.#lastSweep = this.#now();
  }

  /** Number of records held (expired ones included until swept). */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const record = this.#read(key);
    return record === null ? null : cloneJson(record);
  }

  /** @internal The stored record itself, for the engine, which never mutates it: a read without a copy. */
  [peekRecord](key: string, now?: number): SessionRecord | null {
    return this.#read(key, this.#clock(now));
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    this.#write(key, cloneJson(record), expiresAt);
  }

  async delete(key: string): Promise<void> {
    this.#end(key);
  }

  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const stored = this.#read(key);
    if (stored !== null) this.#write(key, { ...stored, lastSeenAt: record.lastSeenAt, expiresAt }, expiresAt);
  }

  async update(key: string, patch: SessionPatch): Promise<boolean> {
    // The patch's values are copied (the caller keeps its objects).
    return this[updateOwned](key, cloneJson(patch));
  }

  /** @internal `update` for the engine, whose patch values are its own copies: no second copy. */
  [updateOwned](key: string, patch: SessionPatch, now?: number): boolean {
    const at = this.#clock(now);
    // Untouched parts of the record are shared with the previous one, which no one mutates.
    const next = applyPatch(this.#read(key, at), patch);
    if (next === null) return false;
    this.#write(key, next, next.expiresAt, at);
    return true;
  }

  /** The time now: the engine's `Date.now()` reading when this store's clock is `Date.now` too, else its own. */
  #clock(engineNow: number | undefined): number {
    return engineNow !== undefined && this.#now === Date.now ? engineNow : this.#now();
  }

  async move(fromKey: string, toKey: string, patch: SessionPatch): Promise<boolean> {
    const next = renewRecord(this.#read(fromKey), cloneJson(patch));
    if (next === null) return false;
    this.#end(fromKey);
    this.#write(toKey, next, next.expiresAt);
    return true;
  }

  async listByUser(userId: string): Promise<string[]> {
    const now = this.#now();
    return [...(this.#byUser.get(userId) ?? [])].filter(
      (key) => (this.#entries.get(key)?.expiresAt ?? 0) > now,
    );
  }

  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const keys = [...(this.#byUser.get(userId) ?? [])].filter((key) => key !== options.except);
    for (const key of keys) this.#end(key);
    const now = this.#now();
    this.#revoked.set(userId, now);
    // The kept session stands after the revocation (keptAt), so it does not
    // end too; its authenticatedAt, which freshness reads, stays as it was.
    const kept = options.except === undefined ? undefined : this.#entries.get(options.except);
    if (kept !== undefined && kept.userId === userId) {
      kept.record = { ...kept.record, keptAt: now + 1 };
    }
    return keys.length;
  }

  async revokedAt(userId: string): Promise<number | null> {
    return this.#revoked.get(userId) ?? null;
  }

  async hasEnded(key: string, record: SessionRecord): Promise<boolean> {
    const now = this.#now();
    const ended = this.#ended.get(key);
    if (ended !== undefined && now - ended < END_MARKER_MS) return true;
    const revoked = record.userId === undefined ? undefined : this.#revoked.get(record.userId);
    return revoked !== undefined && revocationMark(record) <= revoked;
  }

  /** Removes every expired record now. */
  sweep(): number {
    const now = this.#now();
    this.#lastSweep = now;
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#remove(key);
        removed++;
      }
    }
    return removed;
  }

  #read(key: string, now = this.#now()): SessionRecord | null {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= now) {
      this.#remove(key);
      return null;
    }
    this.#used(key, entry);
    return entry.record;
  }

  #write(key: string, record: SessionRecord, expiresAt: number, now = this.#now()): void {
    if (now - this.#lastSweep >= this.#sweepInterval) this.sweep();
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.userId === record.userId && expiresAt > now) {
      // The common update: same key, same user: rewrite the entry in place.
      existing.record = record;
      existing.expiresAt = expiresAt;
      this.#used(key, existing);
      return;
    }
    this.#remove(key);
    if (expiresAt <= now) return;
    while (this.#entries.size >= this.#maxEntries) this.#evictOne();
    const userId = record.userId;
    const entry = { record, expiresAt, userId };
    this.#entries.set(key, entry);
    this.#used(key, entry);
    if (userId !== undefined) {
      let keys = this.#byUser.get(userId);
      if (keys === undefined) this.#byUser.set(userId, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Moves `key` to the most recently used end of its group (already there when it was the last one used). */
  #used(key: string, entry: Entry): void {
    if (key === this.#lastUsed) return;
    const group = entry.userId === undefined ? this.#anonymous : this.#withUser;
    group.delete(key);
    group.add(key);
    this.#lastUsed = key;
  }

  /** Evicts the least recently used anonymous session, or else the least recently used one with a user. */
  #evictOne(): void {
    const group = this.#anonymous.size > 0 ? this.#anonymous : this.#withUser;
    this.#end(group.values().next().value!);
  }

  /** Removes a session that ended (not one that expired or changed hands), leaving its end marker. */
  #end(key: string): void {
    if (this.#entries.has(key)) this.#ended.set(key, this.#now());
    this.#remove(key);
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (key === this.#lastUsed) this.#lastUsed = undefined;
    this.#entries.delete(key);
    (entry.userId === undefined ? this.#anonymous : this.#withUser).delete(key);
    if (entry.userId !== undefined) {
      const keys = this.#byUser.get(entry.userId);
      keys?.delete(key);
      if (keys?.size === 0) this.#byUser.delete(entry.userId);
    }
  }
}
