/**
 * `PostgresStore` (`tesserajs/postgres`): sessions in PostgreSQL, for Node,
 * Bun and Deno servers and for Workers through Hyperdrive, with any client
 * (`postgresJs`, `nodePostgres`, `bunSql`, `hyperdrive`; see connection.ts).
 *
 * One row per session (sql.ts): the hashed key, the user id, the record as
 * the JSON text JavaScript wrote (`text`, not `jsonb`: jsonb reorders object
 * keys and cannot hold U+0000, and a session must read back exactly as it was
 * written), the expiry in ms, and a random `version` that every write
 * renews. `update`, `touch` and `move` apply `applyPatch` / `renewRecord`
 * here and write with a compare-and-swap on that version: the version this
 * process last read or wrote for the key (the engine reads a session before
 * it writes it, so a request's write is one statement), else a fresh read.
 * When the row changed meanwhile, `update` and `move` read it again under a
 * row lock (`SELECT … FOR UPDATE`) in one transaction and write there, so
 * concurrent patches queue instead of retrying, and nothing is lost. A row
 * deleted or expired meanwhile is never written back.
 */
import {
  applyPatch,
  assertRecordSize,
  END_MARKER_MS,
  renewRecord,
  revocationMark,
} from '../../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { parseJson } from '../../util/parse-json.ts';
import type { PostgresConnection, PostgresQuery } from './connection.ts';
import { type PostgresStoreOptions, resolveOptions } from './options.ts';
import { SWEEP_CHUNK, type Statements, schemaStatements, statements } from './sql.ts';
import { at, newVersion, sweepAt, until, userColumn } from './values.ts';

export {
  bunSql,
  hyperdrive,
  nodePostgres,
  postgresJs,
  type BunSqlLike,
  type HyperdriveLike,
  type PgClientLike,
  type PgPoolLike,
  type PostgresConnection,
  type PostgresCount,
  type PostgresJsLike,
  type PostgresQuery,
  type PostgresRow,
} from './connection.ts';
export type { PostgresStoreOptions } from './options.ts';
export { schemaStatements } from './sql.ts';

const STORE = 'PostgresStore';
/** Versions remembered for the compare-and-swap, and the largest record text kept with one. */
const SEEN_ENTRIES = 512;
const SEEN_TEXT = 8192;

/** A live row as read: the record's text, its version, and `kept_at`. */
interface Stored {
  text: string;
  version: string;
  keptAt?: number;
}

/** Where a row came from: this process's memory (maybe stale), a plain read, or a read under lock. */
type Source = 'seen' | 'read' | 'locked';
/** A write found the row changed since `seen`: read it again under a lock. */
const AGAIN = Symbol('again');
/** A write that gives a row a user: it must run in a transaction that holds the user's shared lock first. */
interface Claim {
  claim: string;
}
/** Takes the shared lock of a user (its `user_id` text) in the current transaction. */
type Lock = (user: string) => Promise<void>;
type Outcome = boolean | typeof AGAIN | Claim;

/**
 * Session store on PostgreSQL: `new PostgresStore(postgresJs(sql))`.
 * Atomic `update` and `move`, immediate and final logout and "sign out
 * everywhere", `hasEnded` for the read cache, a record size limit. Create
 * the tables with the shipped migration or `ensureSchema()`; delete expired
 * rows with `sweep()`.
 */
export class PostgresStore implements SessionStore {
  readonly #db: PostgresConnection;
  readonly #sql: Statements;
  readonly #schema: string;
  readonly #table: string;
  readonly #limit: number;
  readonly #now: () => number;
  readonly #seen = new BoundedMap<string, Stored>(SEEN_ENTRIES);

  constructor(db: PostgresConnection, options: PostgresStoreOptions = {}) {
    const resolved = resolveOptions(db, options);
    this.#schema = resolved.schema;
    this.#table = resolved.table;
    this.#limit = resolved.limit;
    this.#now = resolved.now;
    this.#db = db;
    this.#sql = statements(this.#schema, this.#table);
  }

  /**
   * Creates the schema, tables and indexes if missing — the statements of
   * `migrations/postgres/0001_tessera_sessions.sql` for this schema and
   * table. Safe to call from several processes at once.
   */
  async ensureSchema(): Promise<void> {
    await this.#db.transaction(async (query) => {
      await query(this.#sql.schemaLock, [`tesserajs ${this.#schema}.${this.#table}`]);
      for (const statement of schemaStatements(this.#schema, this.#table)) await query(statement, []);
    });
  }

  /** The live record under `key`, or null. */
  async get(key: string): Promise<SessionRecord | null> {
    const stored = await this.#read(this.#db.query, key, this.#now(), false);
    if (stored === null) return null;
    const record = parseJson(stored.text) as SessionRecord;
    if (stored.keptAt !== undefined) record.keptAt = stored.keptAt;
    return record;
  }

  /** Writes the whole record. @throws RangeError when it is over `maxRecordBytes` (nothing is written). */
  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const text = JSON.stringify(record);
    assertRecordSize(STORE, text, this.#limit);
    const version = newVersion();
    const kept = record.keptAt === undefined ? null : at(record.keptAt);
    const user = this.#user(record);
    const args = [key, user, text, until(expiresAt), version, kept, sweepAt(expiresAt)];
    if (user === null) await this.#db.query(this.#sql.set, args);
    else
      await this.#db.transaction(async (query) => {
        await query(this.#sql.claimUser, [this.#lockKey(user)]);
        await query(this.#sql.set, args);
      });
    this.#remember(key, { text, version });
  }

  /**
   * Moves the timestamps of the live row, keeping its data. Skipped when the
   * row changed since this process saw it: that write moved them itself, or
   * ended the session.
   */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const now = this.#now();
    const stored = this.#seen.get(key) ?? (await this.#read(this.#db.query, key, now, false));
    if (stored === null) return;
    const next = parseJson(stored.text) as SessionRecord;
    next.lastSeenAt = record.lastSeenAt;
    next.expiresAt = record.expiresAt;
    const written = await this.#swap(
      undefined,
      key,
      stored,
      now,
      this.#user(next),
      JSON.stringify(next),
      expiresAt,
    );
    if (!written) this.#seen.delete(key);
  }

  /**
   * Applies `patch` with `applyPatch`, atomically; false, writing nothing,
   * when there is no live row at `patch.now`.
   * @throws RangeError when the patched record is over `maxRecordBytes` (the old one stays).
   */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    return this.#rewrite(key, patch.now, async (query, stored, source, lock) => {
      const current = parseJson(stored.text) as SessionRecord;
      const next = applyPatch(current, patch);
      if (next === null) return source === 'seen' ? AGAIN : false;
      const text = this.#fits(JSON.stringify(next), source);
      if (text === AGAIN) return AGAIN;
      const user = this.#user(next);
      if (user !== null && user !== this.#user(current)) {
        if (lock === undefined) return { claim: user };
        await lock(user);
      }
      const inTransaction = source === 'locked' ? query : undefined;
      if (await this.#swap(inTransaction, key, stored, patch.now, user, text, next.expiresAt)) return true;
      return source === 'locked' ? false : AGAIN;
    });
  }

  /**
   * `regenerate()`: stores `renewRecord(record, patch)` under `toKey` and
   * deletes `fromKey` in one statement, only while `fromKey` is live; false,
   * writing nothing, otherwise.
   * @throws RangeError when the renewed record is over `maxRecordBytes` (nothing moves).
   */
  async move(fromKey: string, toKey: string, patch: SessionPatch): Promise<boolean> {
    return this.#rewrite(fromKey, patch.now, async (query, stored, source, lock) => {
      const next = renewRecord(parseJson(stored.text) as SessionRecord, patch);
      if (next === null) return source === 'seen' ? AGAIN : false;
      const text = this.#fits(JSON.stringify(next), source);
      if (text === AGAIN) return AGAIN;
      const user = this.#user(next);
      if (user !== null) {
        if (lock === undefined) return { claim: user };
        await lock(user);
      }
      const version = newVersion();
      const args = [
        fromKey,
        stored.version,
        at(patch.now),
        toKey,
        user,
        text,
        until(next.expiresAt),
        version,
        sweepAt(next.expiresAt),
      ];
      if ((await query(this.#sql.move, args)).length === 0) return source === 'locked' ? false : AGAIN;
      this.#seen.delete(fromKey);
      this.#remember(toKey, { text, version });
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    this.#seen.delete(key);
    await this.#db.query(this.#sql.delete, [key]);
  }

  /** Keys of the user's live sessions, through the `user_id` index. */
  async listByUser(userId: string): Promise<string[]> {
    const rows = await this.#db.query(this.#sql.list, [userColumn(userId), at(this.#now())]);
    return rows.map((row) => String(row.id));
  }

  /**
   * Deletes every session of the user but `except` and records the
   * revocation time, in one statement; the kept session's `keptAt` becomes
   * that time + 1 (its `authenticatedAt` stays). Resolves to how many of the
   * deleted sessions were live.
   */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const user = userColumn(userId);
    return this.#db.transaction(async (query) => {
      // Waits for writes giving a session this user to commit, and holds new ones
      // until this commits: the statement below then sees every session of the user.
      await query(this.#sql.revokeUser, [this.#lockKey(user)]);
      const [row] = await query(this.#sql.deleteByUser, [user, options.except ?? null, at(this.#now())]);
      return Number(row?.live ?? 0);
    });
  }

  /** When the user's sessions were last revoked together, or null (kept until `sweep()` drops it after `END_MARKER_MS`). */
  async revokedAt(userId: string): Promise<number | null> {
    const [row] = await this.#db.query(this.#sql.revokedAt, [userColumn(userId)]);
    return row?.revoked_at == null ? null : Number(row.revoked_at);
  }

  /**
   * Whether the session `record` is a copy of has ended: its row is gone
   * (deleted, revoked, regenerated away, expired) — a deleted row is the
   * end marker, kept for good rather than `END_MARKER_MS` — or its user was
   * revoked at or after `revocationMark(record)`. One small read.
   */
  async hasEnded(key: string, record: SessionRecord): Promise<boolean> {
    const [row] = await this.#db.query(this.#sql.ended, [key, at(this.#now()), this.#user(record)]);
    if (row === undefined || !row.live) return true;
    return row.revoked_at != null && Number(row.revoked_at) >= revocationMark(record);
  }

  /**
   * Deletes rows that expired at least a minute ago (the index holds expiry
   * rounded up to the minute), a thousand per statement, leaving rows a
   * write holds for next time, and revocation times older than
   * `END_MARKER_MS`; resolves to how many sessions went. Expired rows are
   * never read as live meanwhile. Call it from a cron job.
   */
  async sweep(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    for (;;) {
      const [row] = await this.#db.query(this.#sql.sweep, [at(now)]);
      const n = Number(row?.n ?? 0);
      removed += n;
      if (n < SWEEP_CHUNK) break;
    }
    await this.#db.query(this.#sql.sweepRevocations, [at(now - END_MARKER_MS)]);
    return removed;
  }

  /**
   * Runs `write` on the live row under `key`: first on the version this
   * process saw (or a fresh read), then — when it answers AGAIN, or claims a
   * user — once more in one transaction, on the row read under a lock (the
   * claimed user's shared lock first, so "sign out everywhere" sees the
   * write or the write waits for it). False when no row is live.
   */
  async #rewrite(
    key: string,
    now: number,
    write: (query: PostgresQuery, stored: Stored, source: Source, lock?: Lock) => Promise<Outcome>,
  ): Promise<boolean> {
    const seen = this.#seen.get(key);
    const stored = seen ?? (await this.#read(this.#db.query, key, now, false));
    if (stored === null) return false;
    const first = await write(this.#db.query, stored, seen === undefined ? 'read' : 'seen');
    if (typeof first === 'boolean') return first;
    return this.#db.transaction(async (query) => {
      const held = new Set<string>();
      const lock: Lock = async (user) => {
        if (held.has(user)) return;
        held.add(user);
        await query(this.#sql.claimUser, [this.#lockKey(user)]);
      };
      if (first !== AGAIN) await lock(first.claim);
      const locked = await this.#read(query, key, now, true);
      return locked !== null && (await write(query, locked, 'locked', lock)) === true;
    });
  }

  /**
   * The compare-and-swap `UPDATE` (`swap` in sql.ts): writes `text` under
   * `key` only while the row is live at `now` and still at the version read
   * (`from`); true when it wrote, and the row's new version is remembered.
   * Outside a transaction (`inTransaction` undefined) it asks the
   * connection's `count` when there is one: no `RETURNING` row to send and
   * parse.
   */
  async #swap(
    inTransaction: PostgresQuery | undefined,
    key: string,
    from: Stored,
    now: number,
    user: string | null,
    text: string,
    expiresAt: number,
  ): Promise<boolean> {
    const version = newVersion();
    const args = [key, from.version, at(now), user, text, until(expiresAt), version, sweepAt(expiresAt)];
    const written =
      inTransaction === undefined && this.#db.count !== undefined
        ? (await this.#db.count(this.#sql.swap, args)) > 0
        : (await (inTransaction ?? this.#db.query)(this.#sql.swapReturning, args)).length > 0;
    if (written) this.#remember(key, { text, version });
    return written;
  }

  /** The advisory lock key of a user (its `user_id` text), per table. */
  #lockKey(user: string): string {
    return `${this.#schema}.${this.#table} ${user}`;
  }

  async #read(query: PostgresQuery, key: string, now: number, lock: boolean): Promise<Stored | null> {
    const [row] = await query(lock ? this.#sql.lock : this.#sql.get, [key, at(now)]);
    if (row === undefined) {
      this.#seen.delete(key);
      return null;
    }
    const stored: Stored = { text: String(row.record), version: String(row.version) };
    if (!lock) this.#remember(key, stored);
    if (row.kept_at != null) stored.keptAt = Number(row.kept_at);
    return stored;
  }

  /**
   * `text` when within `maxRecordBytes`. Over it: AGAIN for a record built on
   * a version seen earlier (that version may be stale), else the error.
   */
  #fits(text: string, source: Source): string | typeof AGAIN {
    try {
      assertRecordSize(STORE, text, this.#limit);
    } catch (error) {
      if (source === 'seen') return AGAIN;
      throw error;
    }
    return text;
  }

  /** Keeps the version of a row this process read or wrote (records of at most SEEN_TEXT characters). */
  #remember(key: string, stored: Stored): void {
    this.#seen.delete(key);
    if (stored.text.length <= SEEN_TEXT) this.#seen.set(key, { text: stored.text, version: stored.version });
  }

  #user(record: SessionRecord): string | null {
    return record.userId === undefined ? null : userColumn(record.userId);
  }
}
