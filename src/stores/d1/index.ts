/**
 * `D1Store`: sessions in a Cloudflare D1 (SQLite) database.
 *
 * One table holds every session: the hashed id as primary key, the user id
 * (indexed, for listing and revoking a user's sessions), the record as JSON
 * and the expiry in ms (indexed, for sweeping). Create it with the migration
 * shipped in the package, `migrations/0001_create_sessions.sql` — copy it into
 * your Worker's migrations folder and apply it:
 *
 * ```sh
 * npx wrangler d1 migrations apply <DATABASE_NAME> --remote
 * ```
 *
 * (`ensureSchema()` runs the same statements, for development and tests.)
 * Expired rows are ignored on read; delete them with `sweep()` from a Cron
 * Trigger:
 *
 * ```ts
 * export default {
 *   fetch: sessions.handle(app),
 *   async scheduled(_controller, env, ctx) {
 *     ctx.waitUntil(new D1Store(env.DB).sweep());
 *   },
 * } satisfies ExportedHandler<Env>;
 * ```
 *
 * Every write is one statement, and `update` applies a whole patch inside
 * SQLite (see `sql.ts`), so concurrent requests to one session never lose
 * each other's changes and increments are exact. (A patch with fractional
 * arithmetic is applied by compare-and-swap instead, retried up to 10 times.)
 */
import { bindingMessage } from '../../session/options/setup-check.ts';
import { checkOptionNames } from '../../util/options.ts';
import { applyPatch, assertRecordSize, DEFAULT_MAX_RECORD_BYTES } from '../../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { backoff } from '../../util/backoff.ts';
import { parseJson } from '../../util/parse-json.ts';
import { jsonPath, schemaStatements, updateStatement } from './sql.ts';

/** The part of a D1 prepared statement the store uses. */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  run(): Promise<{ meta: { changes: number } }>;
}

/**
 * The part of a D1 binding the store uses: a `D1Database`, or a
 * `D1DatabaseSession` from `withSession()` when you use read replicas.
 */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
}

/** Options for {@link D1Store}. */
export interface D1StoreOptions {
  /**
   * Table name. Default `tessera_sessions`, the table the shipped migration
   * creates; with another name, rename it in your copy of the migration.
   */
  table?: string;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Largest record, in bytes of its JSON text. A write past it throws a
   * RangeError naming this option and the session keeps its previous data.
   * Default 128 KiB.
   */
  maxRecordBytes?: number;
}

/** The table the shipped migration creates. */
export const D1_DEFAULT_TABLE = 'tessera_sessions';
/** Rows deleted per statement by `sweep()`: keeps each statement well inside D1's per-query limits. */
const SWEEP_CHUNK = 1000;
/** Tries of the compare-and-swap path before `update` gives up, and its longest backoff in ms. */
const SWAP_ATTEMPTS = 10;
const SWAP_MAX_BACKOFF = 200;

/**
 * The table name goes into SQL, so only plain identifiers are accepted.
 * SQLite reserves names starting with `sqlite_`, D1 those starting with `_cf_`.
 */
function checkTable(table: unknown): string {
  if (
    typeof table !== 'string' ||
    !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(table) ||
    /^(sqlite_|_cf_)/i.test(table)
  ) {
    throw new TypeError(
      'D1Store: option table must be an SQL identifier of letters, digits and _ (at most 64, not starting with a digit, sqlite_ or _cf_)',
    );
  }
  return table;
}

/**
 * The patch as ordered ops for the update statement, in `applyPatch`'s order,
 * or null when one statement cannot apply it exactly: a fraction in the
 * arithmetic (SQLite's float conversions are not correctly rounded), a
 * `pull` or a consumed flash (both compare JSON values), `persist`, or a key holding
 * U+0000 (SQLite JSON paths end there). Those go through compare-and-swap.
 */
function opsOf(patch: SessionPatch): [string, string, unknown][] | null {
  // A rotation (rare: once per `every`) takes the compare-and-swap path, which applies it with applyPatch.
  if (patch.pull || patch.consumed || patch.persist !== undefined || patch.rotate) return null;
  const keys = [
    ...(patch.unset ?? []),
    ...Object.keys({ ...patch.set, ...patch.increment, ...patch.push, ...patch.flash }),
  ];
  if (keys.some((key) => key.includes('\u0000'))) return null;
  if (!Object.values(patch.increment ?? {}).every(Number.isInteger)) return null;
  const ops: [string, string, unknown][] = [];
  // A value JSON cannot hold (undefined, a function) reads back as absent in
  // every JSON store, so it is a removal here.
  const set = (field: 'data' | 'flash', key: string, value: unknown) =>
    ops.push(
      JSON.stringify(value) === undefined
        ? ['unset', jsonPath(field, key), null]
        : ['set', jsonPath(field, key), value],
    );
  for (const key of patch.unset ?? [])
    ops.push(['unset', jsonPath('data', key), null], ['unset', jsonPath('flash', key), null]);
  if (patch.set) for (const key of Object.keys(patch.set)) set('data', key, patch.set[key]);
  if (patch.increment)
    for (const key of Object.keys(patch.increment))
      ops.push(['add', jsonPath('data', key), patch.increment[key]]);
  if (patch.push)
    for (const key of Object.keys(patch.push))
      for (const value of patch.push[key]!) ops.push(['push', jsonPath('data', key), value]);
  if (patch.flash) for (const key of Object.keys(patch.flash)) set('flash', key, patch.flash[key]);
  return ops;
}

/**
 * Session store on Cloudflare D1: strongly consistent (queries go to the
 * primary unless you pass a read-replica session), revocable, and atomic.
 * Pass the binding: `new D1Store(env.DB)`.
 */
export class D1Store implements SessionStore {
  readonly #db: D1DatabaseLike;
  readonly #table: string;
  readonly #now: () => number;
  readonly #maxRecordBytes: number;
  readonly #sql: {
    get: string;
    set: string;
    touch: string;
    update: string;
    swap: string;
    delete: string;
    list: string;
    deleteByUser: string;
    sweep: string;
  };

  constructor(db: D1DatabaseLike, options: D1StoreOptions = {}) {
    if (db === null || typeof db !== 'object' || typeof db.prepare !== 'function') {
      throw new TypeError(bindingMessage('D1Store', 'D1 database', '[[d1_databases]] binding = "…"', db));
    }
    checkOptionNames('D1Store', options, ['table', 'maxRecordBytes', 'now']);
    const table = checkTable(options.table ?? D1_DEFAULT_TABLE);
    this.#db = db;
    this.#table = table;
    this.#now = options.now ?? Date.now;
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1024)
      throw new TypeError('D1Store: option maxRecordBytes must be a whole number of bytes, at least 1024');
    this.#maxRecordBytes = maxRecordBytes;
    const t = `"${table}"`;
    this.#sql = {
      get: `SELECT data FROM ${t} WHERE id = ?1 AND expires_at > ?2`,
      set: `INSERT INTO ${t} (id, user_id, data, expires_at) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`,
      touch: `UPDATE ${t} SET data = json_patch(data, ?2), expires_at = ?3 WHERE id = ?1 AND expires_at > ?4`,
      update: updateStatement(table),
      swap: `UPDATE ${t} SET data = ?3, user_id = ?4, expires_at = ?5 WHERE id = ?1 AND data = ?2`,
      delete: `DELETE FROM ${t} WHERE id = ?1`,
      list: `SELECT id FROM ${t} WHERE user_id = ?1 AND expires_at > ?2`,
      deleteByUser: `DELETE FROM ${t} WHERE user_id = ?1 AND id IS NOT ?2 RETURNING expires_at`,
      sweep: `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE expires_at <= ?1 LIMIT ${SWEEP_CHUNK})`,
    };
  }

  /** The table this store uses. */
  get table(): string {
    return this.#table;
  }

  /**
   * Creates the table and its indexes if they are missing — the same
   * statements as the shipped migration. Meant for development and tests;
   * in production apply the migration with `wrangler d1 migrations apply`.
   */
  async ensureSchema(): Promise<void> {
    await this.#db.batch(schemaStatements(this.#table).map((sql) => this.#db.prepare(sql)));
  }

  /** The record under `key`, or null when it is missing or its row has expired. */
  async get(key: string): Promise<SessionRecord | null> {
    const row = await this.#db.prepare(this.#sql.get).bind(key, this.#now()).first<{ data: string }>();
    return row === null ? null : (parseJson(row.data) as SessionRecord);
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const text = JSON.stringify(record);
    assertRecordSize('D1Store', text, this.#maxRecordBytes);
    await this.#db
      .prepare(this.#sql.set)
      .bind(key, record.userId ?? null, text, expiresAt)
      .run();
  }

  /** Moves the timestamps of a live row without rewriting its data. */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const times = JSON.stringify({ lastSeenAt: record.lastSeenAt, expiresAt });
    await this.#db.prepare(this.#sql.touch).bind(key, times, expiresAt, this.#now()).run();
  }

  /**
   * Applies `patch` atomically; false, writing nothing, when there is no live
   * row at `patch.now`. One statement does it inside SQLite; when that
   * statement cannot (a fraction in the arithmetic, or no live row), the
   * record is read, patched with `applyPatch` and written back only if
   * unchanged meanwhile, retried a few times.
   */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    const ops = opsOf(patch);
    if (ops !== null) {
      const args = JSON.stringify({
        now: patch.now,
        idle: patch.idleMs,
        absolute: patch.absoluteMs,
        userPath: jsonPath('data', patch.userField),
      });
      // Past maxRecordBytes the statement writes nothing; the path below then throws.
      const { meta } = await this.#db
        .prepare(this.#sql.update)
        .bind(key, JSON.stringify(ops), args, this.#maxRecordBytes)
        .run();
      if (meta.changes > 0) return true;
    }
    return this.#swap(key, patch);
  }

  /** Read, `applyPatch`, write if the stored text is still what was read. */
  async #swap(key: string, patch: SessionPatch): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.#db.prepare(this.#sql.get).bind(key, patch.now).first<{ data: string }>();
      const next = row === null ? null : applyPatch(parseJson(row.data) as SessionRecord, patch);
      if (row === null || next === null) return false;
      const text = JSON.stringify(next);
      assertRecordSize('D1Store', text, this.#maxRecordBytes);
      const written = await this.#db
        .prepare(this.#sql.swap)
        .bind(key, row.data, text, next.userId ?? null, next.expiresAt)
        .run();
      if (written.meta.changes > 0) return true;
      if (attempt >= SWAP_ATTEMPTS) {
        throw new Error(
          `D1Store: update gave up after ${SWAP_ATTEMPTS} attempts: concurrent writes kept changing the session`,
        );
      }
      await backoff(attempt, 10, SWAP_MAX_BACKOFF);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#db.prepare(this.#sql.delete).bind(key).run();
  }

  /** Keys of the user's live sessions, through the `user_id` index. */
  async listByUser(userId: string): Promise<string[]> {
    const { results } = await this.#db
      .prepare(this.#sql.list)
      .bind(userId, this.#now())
      .all<{ id: string }>();
    return results.map((row) => row.id);
  }

  /** Deletes every row of the user (expired ones too) but `except`; resolves to how many were live. */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const { results } = await this.#db
      .prepare(this.#sql.deleteByUser)
      .bind(userId, options.except ?? null)
      .all<{ expires_at: number }>();
    const now = this.#now();
    return results.filter((row) => row.expires_at > now).length;
  }

  /**
   * Deletes expired rows, a thousand per statement, through the `expires_at`
   * index; resolves to how many. Call it from a Cron Trigger's `scheduled`
   * handler.
   */
  async sweep(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    for (;;) {
      const { meta } = await this.#db.prepare(this.#sql.sweep).bind(now).run();
      removed += meta.changes;
      if (meta.changes < SWEEP_CHUNK) return removed;
    }
  }
}
