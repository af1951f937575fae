/**
 * Sessions in Durable Objects: strongly consistent, revocable, and the
 * recommended production store on Cloudflare.
 *
 * One object per session (named by the hashed id, so no object is a global
 * hot spot) holds the record in SQLite-backed storage, applies patches in one
 * synchronous transaction, and deletes itself with an alarm at expiry. One
 * object per user keeps the index used to list and revoke that user's
 * sessions. Both roles are the one class below, so a Worker needs one binding
 * and one migration:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "SESSIONS"
 * class_name = "SessionDurableObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["SessionDurableObject"]
 * ```
 */
import { bindingMessage } from '../session/options/setup-check.ts';
import { DurableObject } from 'cloudflare:workers';
import { checkOptionNames } from '../util/options.ts';
import {
  applyPatch,
  assertRecordSize,
  DEFAULT_MAX_RECORD_BYTES,
  recordTooLarge,
  userIdOf,
  utf8Length,
} from '../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../session/types.ts';

const RECORD = 'record';
/** Left by a deletion: until this instant (ms) nothing may write the session again. */
const TOMBSTONE = 'deletedUntil';
/**
 * How long a deleted session's object refuses writes. Session keys are hashes
 * of random ids and never reused, so any write after a deletion is a request
 * that was in flight when the session was logged out or revoked; an hour is
 * far longer than any request lives.
 */
const TOMBSTONE_MS = 60 * 60 * 1000;
const NO_RPC =
  'DurableObjectStore: the Durable Object stub has no RPC methods. The store calls SessionDurableObject over ' +
  'Durable Object RPC, which needs compatibility_date = "2024-04-03" or later in wrangler.toml (or the "rpc" ' +
  'compatibility flag), and the binding must name class_name = "SessionDurableObject".';
const INDEX_PREFIX = 'session:';

/** What an atomic update did, so the store can keep the user index right. */
export interface UpdateResult {
  ok: boolean;
  /** The record the patch would make, in bytes, when that is over the limit (nothing was written). */
  tooLarge?: number;
  userId?: string | undefined;
  previousUserId?: string | undefined;
}

/**
 * The Durable Object class to export from your Worker:
 * `export { SessionDurableObject } from 'tesserajs/durable-object'`.
 * Its methods are RPC methods used by {@link DurableObjectStore}.
 */
export class SessionDurableObject extends DurableObject {
  // --- one session -------------------------------------------------------

  /** The stored record, or null. */
  getRecord(): SessionRecord | null {
    return this.ctx.storage.kv.get<SessionRecord>(RECORD) ?? null;
  }

  /**
   * Replaces the record; resolves to the user id it had before. A session
   * deleted within the last hour is not written again: `{ revoked: true }`.
   */
  async setRecord(
    record: SessionRecord,
    expiresAt: number,
  ): Promise<{ previousUserId?: string | undefined; revoked?: true }> {
    const deletedUntil = this.ctx.storage.kv.get<number>(TOMBSTONE);
    if (deletedUntil !== undefined && deletedUntil > Date.now()) return { revoked: true };
    const previous = this.ctx.storage.kv.get<SessionRecord>(RECORD);
    this.ctx.storage.kv.put(RECORD, record);
    await this.ctx.storage.setAlarm(expiresAt);
    return { previousUserId: previous?.userId };
  }

  /**
   * Applies a patch in one transaction; writes nothing when there is no live
   * record, or when the result would be over `maxRecordBytes` (`tooLarge`).
   */
  async updateRecord(patch: SessionPatch, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): Promise<UpdateResult> {
    const result = this.ctx.storage.transactionSync((): UpdateResult & { expiresAt?: number } => {
      const current = this.ctx.storage.kv.get<SessionRecord>(RECORD);
      const next = applyPatch(current, patch);
      if (next === null) return { ok: false };
      const bytes = utf8Length(JSON.stringify(next));
      if (bytes > maxRecordBytes) return { ok: false, tooLarge: bytes, previousUserId: current?.userId };
      this.ctx.storage.kv.put(RECORD, next);
      return { ok: true, userId: next.userId, previousUserId: current?.userId, expiresAt: next.expiresAt };
    });
    if (result.expiresAt !== undefined) await this.ctx.storage.setAlarm(result.expiresAt);
    if (result.tooLarge !== undefined)
      return { ok: false, tooLarge: result.tooLarge, previousUserId: result.previousUserId };
    return { ok: result.ok, userId: result.userId, previousUserId: result.previousUserId };
  }

  /** Moves the timestamps of an existing record. */
  async touchRecord(lastSeenAt: number, expiresAt: number): Promise<void> {
    const current = this.ctx.storage.kv.get<SessionRecord>(RECORD);
    if (current === undefined) return;
    this.ctx.storage.kv.put(RECORD, { ...current, lastSeenAt, expiresAt });
    await this.ctx.storage.setAlarm(expiresAt);
  }

  /**
   * Deletes the session, leaving a tombstone so that a request still in
   * flight cannot write it back; resolves to the user id it belonged to.
   */
  async deleteRecord(): Promise<string | undefined> {
    const previous = this.ctx.storage.kv.get<SessionRecord>(RECORD);
    const deletedUntil = Date.now() + TOMBSTONE_MS;
    this.ctx.storage.kv.delete(RECORD);
    this.ctx.storage.kv.put(TOMBSTONE, deletedUntil);
    await this.ctx.storage.setAlarm(deletedUntil);
    return previous?.userId;
  }

  /**
   * Expiry of the record, or of a tombstone. Idempotent: with nothing due (a
   * touch moved the expiry), it only reschedules or does nothing.
   */
  override async alarm(): Promise<void> {
    const record = this.ctx.storage.kv.get<SessionRecord>(RECORD);
    const due = record?.expiresAt ?? this.ctx.storage.kv.get<number>(TOMBSTONE);
    if (due === undefined) return;
    if (due <= Date.now()) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(due);
  }

  // --- one user's index --------------------------------------------------

  // Entries are removed explicitly (logout, revocation, or found dead when
  // listing), never by time: a session touched past its first expiry must
  // still be found when its user is revoked.

  /** Adds a session key to this user's index. */
  indexAdd(key: string): void {
    this.ctx.storage.kv.put(INDEX_PREFIX + key, 1);
  }

  indexRemove(keys: string[]): void {
    for (const key of keys) this.ctx.storage.kv.delete(INDEX_PREFIX + key);
  }

  /** Every session key in this user's index (some may have expired since). */
  indexList(): string[] {
    return [...this.ctx.storage.kv.list({ prefix: INDEX_PREFIX })].map(([name]) =>
      name.slice(INDEX_PREFIX.length),
    );
  }

  /** Empties the index; resolves to every key it held. */
  async indexClear(except?: string): Promise<string[]> {
    const keys = this.indexList();
    await this.ctx.storage.deleteAll();
    if (except !== undefined && keys.includes(except)) this.indexAdd(except);
    return keys.filter((key) => key !== except);
  }
}

/** Options for {@link DurableObjectStore}. */
export interface DurableObjectStoreOptions {
  /**
   * Largest record, in bytes of its JSON text. A write past it throws a
   * RangeError naming this option and the session keeps its previous data.
   * Default 128 KiB (a Durable Object value may hold up to 2 MiB).
   */
  maxRecordBytes?: number;
}

/**
 * Session store on Durable Objects. Pass the namespace bound to
 * {@link SessionDurableObject}: `new DurableObjectStore(env.SESSIONS)`.
 */
export class DurableObjectStore implements SessionStore {
  readonly #namespace: DurableObjectNamespace<SessionDurableObject>;
  readonly #maxRecordBytes: number;

  constructor(
    namespace: DurableObjectNamespace<SessionDurableObject>,
    options: DurableObjectStoreOptions = {},
  ) {
    if (namespace === null || typeof namespace !== 'object' || typeof namespace.idFromName !== 'function') {
      throw new TypeError(
        bindingMessage(
          'DurableObjectStore',
          'Durable Object namespace',
          '[[durable_objects.bindings]] name = "…", class_name = "SessionDurableObject", plus a [[migrations]] entry',
          namespace,
        ),
      );
    }
    this.#namespace = namespace;
    checkOptionNames('DurableObjectStore', options, ['maxRecordBytes']);
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1024 || maxRecordBytes > 2 * 1024 * 1024)
      throw new TypeError(
        'DurableObjectStore: option maxRecordBytes must be a whole number of bytes from 1024 to 2 MiB',
      );
    this.#maxRecordBytes = maxRecordBytes;
  }

  #session(key: string) {
    return this.#stub(`s:${key}`);
  }

  #user(userId: string) {
    return this.#stub(`u:${userId}`);
  }

  #stub(name: string) {
    const stub = this.#namespace.get(this.#namespace.idFromName(name));
    // Before compatibility date 2024-04-03 a stub has no RPC methods at all.
    if (typeof stub.getRecord !== 'function') throw new Error(NO_RPC);
    return stub;
  }

  async get(key: string): Promise<SessionRecord | null> {
    return (await this.#session(key).getRecord()) as SessionRecord | null;
  }

  /**
   * Writes the record. The user index is written first, so a revocation of
   * that user either lists this session (and deletes it, leaving a tombstone
   * that makes this write fail) or happened entirely before it.
   *
   * @throws Error when the session was deleted (logged out or revoked) while
   *   this write was on its way: the write is refused, never resurrected.
   */
  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    assertRecordSize('DurableObjectStore', JSON.stringify(record), this.#maxRecordBytes);
    if (record.userId !== undefined) await this.#user(record.userId).indexAdd(key);
    const result = await this.#session(key).setRecord(record, expiresAt);
    if (result.revoked) {
      if (record.userId !== undefined) await this.#user(record.userId).indexRemove([key]);
      throw new Error(
        'DurableObjectStore: the session was deleted (logged out or revoked) while this request was writing it',
      );
    }
    await this.#reindex(key, record.userId, result.previousUserId, false);
  }

  async update(key: string, patch: SessionPatch): Promise<boolean> {
    // A patch that names a user is indexed under that user first, like set().
    const named = patch.set === undefined ? undefined : userIdOf(patch.set, patch.userField);
    if (named !== undefined) await this.#user(named).indexAdd(key);
    const result = await this.#session(key).updateRecord(patch, this.#maxRecordBytes);
    if (result.tooLarge !== undefined) {
      // Nothing was written: undo only an index entry this call added.
      if (named !== undefined && named !== result.previousUserId) await this.#user(named).indexRemove([key]);
      throw recordTooLarge('DurableObjectStore', result.tooLarge, this.#maxRecordBytes);
    }
    if (result.ok) await this.#reindex(key, result.userId, result.previousUserId, true);
    else if (named !== undefined) await this.#user(named).indexRemove([key]);
    return result.ok;
  }

  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    await this.#session(key).touchRecord(record.lastSeenAt, expiresAt);
  }

  async delete(key: string): Promise<void> {
    const userId = await this.#session(key).deleteRecord();
    if (userId !== undefined) await this.#user(userId).indexRemove([key]);
  }

  /** Live sessions of a user; index entries whose session is gone are pruned. */
  async listByUser(userId: string): Promise<string[]> {
    const index = this.#user(userId);
    const keys = await index.indexList();
    const now = Date.now();
    const records = await Promise.all(keys.map((key) => this.#session(key).getRecord()));
    const live = keys.filter((_, i) => {
      const record = records[i] as SessionRecord | null;
      return record !== null && record.userId === userId && record.expiresAt > now;
    });
    if (live.length < keys.length) await index.indexRemove(keys.filter((key) => !live.includes(key)));
    return live;
  }

  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const keys = await this.#user(userId).indexClear(options.except);
    await Promise.all(keys.map((key) => this.#session(key).deleteRecord()));
    return keys.length;
  }

  async #reindex(
    key: string,
    userId: string | undefined,
    previous: string | undefined,
    add: boolean,
  ): Promise<void> {
    if (previous !== undefined && previous !== userId) await this.#user(previous).indexRemove([key]);
    if (add && userId !== undefined && userId !== previous) await this.#user(userId).indexAdd(key);
  }
}
