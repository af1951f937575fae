/**
 * The SQL behind `PostgresStore`: the schema (also shipped as
 * `migrations/postgres/0001_tessera_sessions.sql`) and every statement the
 * store sends. Parameters are text or null and cast here, so every client
 * sends them the same way; names are validated identifiers, double-quoted.
 */

/** Schema and table the shipped migration creates. */
export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_TABLE = 'tessera_sessions';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks an identifier option: letters, digits and `_`, not starting with a
 * digit, at most `max` characters (PostgreSQL keeps 63; the table leaves room
 * for the suffixes of its index and revocation table names), never `pg_…`
 * (reserved by PostgreSQL).
 */
export function identifier(option: 'schema' | 'table', value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length > max || !IDENTIFIER.test(value) || /^pg_/i.test(value)) {
    throw new TypeError(
      `PostgresStore: option ${option} must be an SQL identifier of letters, digits and _ ` +
        `(at most ${max}, not starting with a digit or pg_)`,
    );
  }
  return value;
}

/** The schema: one row per session, and each user's last revocation time. */
export function schemaStatements(schema: string, table: string): string[] {
  const s = `"${schema}"`;
  const t = `${s}."${table}"`;
  return [
    ...(schema === DEFAULT_SCHEMA ? [] : [`CREATE SCHEMA IF NOT EXISTS ${s}`]),
    `CREATE TABLE IF NOT EXISTS ${t} (
  id text COLLATE "C" PRIMARY KEY,
  user_id text,
  record text NOT NULL,
  expires_at bigint NOT NULL,
  sweep_at bigint NOT NULL,
  version bigint NOT NULL,
  kept_at bigint
) WITH (fillfactor = 90)`,
    `CREATE INDEX IF NOT EXISTS "${table}_user_id" ON ${t} (user_id) WHERE user_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS "${table}_sweep_at" ON ${t} (sweep_at)`,
    `CREATE TABLE IF NOT EXISTS ${s}."${table}_revocations" (
  user_id text PRIMARY KEY,
  revoked_at bigint NOT NULL
)`,
  ];
}

/** Rows one `sweep()` statement deletes at most: short statements, short locks. */
export const SWEEP_CHUNK = 1000;

/** Every statement, for one schema and table. */
export function statements(schema: string, table: string) {
  const t = `"${schema}"."${table}"`;
  const r = `"${schema}"."${table}_revocations"`;
  const read = `SELECT record, version, kept_at FROM ${t} WHERE id = $1::text AND expires_at > $2::bigint`;
  const swap = `UPDATE ${t} SET user_id = $4::text, record = $5::text, expires_at = $6::bigint,
    sweep_at = $8::bigint, version = $7::bigint
  WHERE id = $1::text AND version = $2::bigint AND expires_at > $3::bigint`;
  return {
    /** $1 key, $2 now → the live row. */
    get: read,
    /** The same, locking the row until the transaction ends. */
    lock: `${read} FOR UPDATE`,
    /** $1 key, $2 user, $3 record, $4 expiry, $5 version, $6 kept at, $7 sweep at. */
    set: `INSERT INTO ${t} AS old (id, user_id, record, expires_at, sweep_at, version, kept_at)
  VALUES ($1::text, $2::text, $3::text, $4::bigint, $7::bigint, $5::bigint, $6::bigint)
  ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, record = excluded.record,
    expires_at = excluded.expires_at, sweep_at = excluded.sweep_at, version = excluded.version,
    kept_at = excluded.kept_at`,
    /**
     * Compare-and-swap: $1 key, $2 the version read, $3 now; $4 user, $5
     * record, $6 expiry, $7 new version, $8 sweep at. Writes one row or none:
     * `swap` for a connection's `count`, `swapReturning` (one row back when it
     * wrote) for `query`.
     */
    swap,
    swapReturning: `${swap} RETURNING version`,
    /**
     * `move` as one statement: deletes $1 if still at version $2 and live at
     * $3, and only then writes $4 (user $5, record $6, expiry $7, version $8,
     * sweep at $9).
     */
    move: `WITH gone AS (
    DELETE FROM ${t} WHERE id = $1::text AND version = $2::bigint AND expires_at > $3::bigint RETURNING id
  )
  INSERT INTO ${t} AS old (id, user_id, record, expires_at, sweep_at, version)
    SELECT $4::text, $5::text, $6::text, $7::bigint, $9::bigint, $8::bigint FROM gone
  ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, record = excluded.record,
    expires_at = excluded.expires_at, sweep_at = excluded.sweep_at, version = excluded.version,
    kept_at = NULL
  RETURNING version`,
    /** $1 key. */
    delete: `DELETE FROM ${t} WHERE id = $1::text`,
    /** $1 user, $2 now. */
    list: `SELECT id FROM ${t} WHERE user_id = $1::text AND expires_at > $2::bigint`,
    /**
     * "Sign out everywhere (else)" in one statement (after `revokeUser`): $1 user, $2 the key
     * kept (or null), $3 now. The kept session is marked kept after this
     * revocation, the revocation time recorded, every other row of the user
     * deleted; resolves to how many of those were live.
     */
    deleteByUser: `WITH kept AS (
    UPDATE ${t} SET kept_at = $3::bigint + 1 WHERE id = $2::text AND user_id = $1::text RETURNING 1
  ), revoked AS (
    INSERT INTO ${r} AS old (user_id, revoked_at) VALUES ($1::text, $3::bigint)
    ON CONFLICT (user_id) DO UPDATE SET revoked_at = greatest(old.revoked_at, excluded.revoked_at) RETURNING 1
  ), gone AS (
    DELETE FROM ${t} WHERE user_id = $1::text AND id IS DISTINCT FROM $2::text RETURNING expires_at
  )
  SELECT (SELECT count(*) FROM gone WHERE expires_at > $3::bigint) AS live,
    (SELECT count(*) FROM kept) + (SELECT count(*) FROM revoked) AS marks`,
    /** $1 user. */
    revokedAt: `SELECT revoked_at FROM ${r} WHERE user_id = $1::text`,
    /** $1 key, $2 now, $3 user (or null): is the row live, when was the user last revoked. */
    ended: `SELECT EXISTS (SELECT 1 FROM ${t} WHERE id = $1::text AND expires_at > $2::bigint) AS live,
    (SELECT revoked_at FROM ${r} WHERE user_id = $3::text) AS revoked_at`,
    /** $1 now: up to SWEEP_CHUNK rows expired a minute ago, skipping rows a write holds. */
    sweep: `WITH gone AS (
    DELETE FROM ${t} WHERE id IN (
      SELECT id FROM ${t} WHERE sweep_at <= $1::bigint LIMIT ${SWEEP_CHUNK} FOR UPDATE SKIP LOCKED
    ) RETURNING 1
  )
  SELECT count(*) AS n FROM gone`,
    /** $1 the oldest revocation time still needed. */
    sweepRevocations: `DELETE FROM ${r} WHERE revoked_at <= $1::bigint`,
    /**
     * Transaction-scoped advisory locks on a user ($1 names it): a write that
     * gives a session a user holds it shared, `deleteByUser` exclusive, so a
     * revocation waits for such writes to commit and then sees their rows, and
     * later ones wait for it. Released at COMMIT: safe behind poolers.
     */
    claimUser: `SELECT pg_advisory_xact_lock_shared(hashtextextended($1::text, 0))`,
    revokeUser: `SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`,
    /** Serialises concurrent `ensureSchema()` calls (CREATE … IF NOT EXISTS can race). */
    schemaLock: `SELECT pg_advisory_xact_lock(hashtext($1::text))`,
  };
}

export type Statements = ReturnType<typeof statements>;
