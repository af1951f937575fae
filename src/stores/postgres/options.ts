/** The options of `PostgresStore`, checked at construction: every message names the option. */
import { DEFAULT_MAX_RECORD_BYTES } from '../../session/record.ts';
import type { PostgresConnection } from './connection.ts';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, identifier } from './sql.ts';

/** Options for `PostgresStore`. */
export interface PostgresStoreOptions {
  /** Schema of the tables. Default `public`. */
  schema?: string;
  /**
   * Sessions table; the revocation table is `<table>_revocations`. Default
   * `tessera_sessions`, as the shipped migration creates. At most 48
   * characters.
   */
  table?: string;
  /** Largest record a write may store, in bytes of its JSON. Default 128 KiB (`DEFAULT_MAX_RECORD_BYTES`). */
  maxRecordBytes?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

const OPTIONS = new Set(['schema', 'table', 'maxRecordBytes', 'now']);

/** The options with their defaults, or a `TypeError` naming the one that is wrong. */
export function resolveOptions(
  db: PostgresConnection,
  options: PostgresStoreOptions,
): { schema: string; table: string; limit: number; now: () => number } {
  if (
    db === null ||
    typeof db !== 'object' ||
    typeof db.query !== 'function' ||
    typeof db.transaction !== 'function'
  )
    throw new TypeError(
      'PostgresStore: the first argument must be a connection: postgresJs(sql), nodePostgres(pool), bunSql(sql) or hyperdrive(env.HYPERDRIVE, …)',
    );
  if (options === null || typeof options !== 'object')
    throw new TypeError('PostgresStore: options must be an object');
  for (const name of Object.keys(options))
    if (!OPTIONS.has(name))
      throw new TypeError(
        `PostgresStore: unknown option ${JSON.stringify(name)} (known: ${[...OPTIONS].join(', ')})`,
      );
  const limit = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new TypeError('PostgresStore: option maxRecordBytes must be a positive integer (bytes)');
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError('PostgresStore: option now must be a function returning ms');
  const schema = identifier('schema', options.schema ?? DEFAULT_SCHEMA, 63);
  const table = identifier('table', options.table ?? DEFAULT_TABLE, 48);
  return { schema, table, limit, now: options.now ?? Date.now };
}
