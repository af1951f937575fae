/**
 * What `PostgresStore` needs from a PostgreSQL client, and one small adapter
 * per common client. The store depends on no client library (zero runtime
 * dependencies): it sends SQL text with `$1…` parameters, all strings or
 * null, through a {@link PostgresConnection}. It never names a prepared
 * statement and never sets session state (`SET`, advisory locks outside a
 * transaction, `LISTEN`), so every statement and transaction is safe behind
 * PgBouncer or Hyperdrive in transaction pooling mode.
 */

/** One row as the client returns it: column name → value (text, number or bigint). */
export type PostgresRow = Record<string, unknown>;

/** Runs one statement with `$1…` parameters and resolves to its rows. */
export type PostgresQuery = (text: string, params: readonly (string | null)[]) => Promise<PostgresRow[]>;

/**
 * Runs one `INSERT`, `UPDATE` or `DELETE` with `$1…` parameters and resolves
 * to how many rows it wrote (the count in the server's command tag).
 */
export type PostgresCount = (text: string, params: readonly (string | null)[]) => Promise<number>;

/**
 * The store's view of a client: `query` for single statements (any pooled
 * connection), `transaction` to run several on one connection between
 * `BEGIN` and `COMMIT` (rolled back when `body` rejects). `count` is
 * optional: with it, a compare-and-swap write outside a transaction learns
 * whether it wrote from the command's row count instead of a `RETURNING`
 * row, which costs both sides a little per request. The adapters here have
 * it, but `hyperdrive` (its client is made later).
 */
export interface PostgresConnection {
  query: PostgresQuery;
  count?: PostgresCount;
  transaction<T>(body: (query: PostgresQuery) => Promise<T>): Promise<T>;
}

/** The part of a node-postgres client (`pg.Client`, or a client a pool lent) the adapter uses. */
export interface PgClientLike {
  query(text: string, values: unknown[]): Promise<{ rows: PostgresRow[]; rowCount?: number | null }>;
}

/** The part of a node-postgres pool (`pg.Pool`) the adapter uses. */
export interface PgPoolLike extends PgClientLike {
  readonly totalCount: number;
  connect(): Promise<PgClientLike & { release(error?: Error | boolean): void }>;
}

/** The part of a postgres.js `sql` (or its transaction `sql`) the adapter uses. */
export interface PostgresJsLike {
  unsafe(text: string, params: (string | null)[], options: { prepare: boolean }): PromiseLike<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js types its transaction sql apart; any keeps both callable.
  begin(body: (sql: any) => Promise<unknown>): PromiseLike<unknown>;
}

/** The part of Bun's built-in client (`new SQL(url)` or `sql` from `bun`) the adapter uses. */
export interface BunSqlLike {
  unsafe(text: string, params: (string | null)[]): PromiseLike<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: as above, for Bun's transaction sql.
  begin(body: (sql: any) => Promise<unknown>): PromiseLike<unknown>;
}

/** A Workers Hyperdrive binding (`env.HYPERDRIVE`): the part the adapter uses. */
export interface HyperdriveLike {
  readonly connectionString: string;
}

const rowsOf = (result: unknown): PostgresRow[] => result as PostgresRow[];

/**
 * The row count a client reported. A client that reports none cannot say
 * whether a compare-and-swap wrote: that is an error, never a guess (a
 * write taken for lost would be applied again).
 */
function countOf(adapter: string, count: unknown): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
    throw new TypeError(`${adapter}: the client reported no row count for a write`);
  return count;
}

/**
 * Runs `body` between BEGIN and COMMIT through `query`, rolling back when it
 * throws; `clean` hears whether the connection ended outside a transaction.
 */
async function inTransaction<T>(
  query: PostgresQuery,
  body: (query: PostgresQuery) => Promise<T>,
  clean: (ok: boolean) => void = () => undefined,
): Promise<T> {
  await query('BEGIN', []);
  let result: T;
  try {
    result = await body(query);
  } catch (error) {
    await query('ROLLBACK', []).then(
      () => clean(true),
      () => clean(false),
    );
    throw error;
  }
  await query('COMMIT', []);
  clean(true);
  return result;
}

/**
 * node-postgres (`pg`): `nodePostgres(new pg.Pool({ connectionString }))`,
 * or a connected `pg.Client`. A pool lends a client to each transaction; a
 * single client runs them one at a time, holding the adapter's other
 * statements until each transaction ends (give the store a client of its own).
 */
export function nodePostgres(client: PgPoolLike | PgClientLike): PostgresConnection {
  if (client === null || typeof client !== 'object' || typeof client.query !== 'function')
    throw new TypeError('nodePostgres: the argument must be a pg.Pool or a connected pg.Client');
  const direct =
    (on: PgClientLike): PostgresQuery =>
    (text, params) =>
      on.query(text, params as unknown[]).then((result) => result.rows);
  const counted =
    (on: PgClientLike): PostgresCount =>
    (text, params) =>
      on.query(text, params as unknown[]).then((result) => countOf('nodePostgres', result.rowCount));
  if ('totalCount' in client && typeof client.connect === 'function') {
    const pool = client;
    return {
      query: direct(pool),
      count: counted(pool),
      async transaction(body) {
        const lent = await pool.connect();
        let ok = false;
        try {
          return await inTransaction(direct(lent), body, (clean) => (ok = clean));
        } finally {
          // A connection left mid-transaction (a failed COMMIT or ROLLBACK) is dropped, not reused.
          lent.release(ok ? undefined : true);
        }
      },
    };
  }
  // One connection runs one statement at a time (node-postgres 8 deprecates
  // queueing on a client), and a statement sent during a transaction would
  // run inside it: the adapter queues both.
  let tail: Promise<unknown> = Promise.resolve();
  const query = direct(client);
  const count = counted(client);
  const queued = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    query: (text, params) => queued(() => query(text, params)),
    count: (text, params) => queued(() => count(text, params)),
    transaction: (body) => queued(() => inTransaction(query, body)),
  };
}

/**
 * postgres.js (`postgres`): `postgresJs(postgres(url))`. Statements go
 * unnamed (`prepare: false`), as transaction poolers need.
 */
export function postgresJs(sql: PostgresJsLike): PostgresConnection {
  if (typeof sql !== 'function' && (sql === null || typeof sql !== 'object'))
    throw new TypeError('postgresJs: the argument must be a postgres.js sql function');
  if (typeof sql.unsafe !== 'function' || typeof sql.begin !== 'function')
    throw new TypeError('postgresJs: the argument must be a postgres.js sql function');
  const on =
    (client: PostgresJsLike): PostgresQuery =>
    async (text, params) =>
      rowsOf(await client.unsafe(text, params as (string | null)[], { prepare: false }));
  return {
    query: on(sql),
    count: async (text, params) =>
      countOf(
        'postgresJs',
        ((await sql.unsafe(text, params as (string | null)[], { prepare: false })) as { count?: unknown })
          .count,
      ),
    transaction: async (body) => (await sql.begin((tx: PostgresJsLike) => body(on(tx)))) as never,
  };
}

/**
 * Bun's built-in client: `bunSql(new SQL(url))` (`import { SQL } from 'bun'`).
 * Behind a transaction pooler, create it with `prepare: false`.
 */
export function bunSql(sql: BunSqlLike): PostgresConnection {
  if (
    (typeof sql !== 'function' && (sql === null || typeof sql !== 'object')) ||
    typeof sql.unsafe !== 'function' ||
    typeof sql.begin !== 'function'
  )
    throw new TypeError('bunSql: the argument must be a Bun SQL client (new SQL(url))');
  const on =
    (client: BunSqlLike): PostgresQuery =>
    async (text, params) =>
      rowsOf(await client.unsafe(text, params as (string | null)[]));
  return {
    query: on(sql),
    // A result's `count`: the rows written, for a statement that returns none.
    count: async (text, params) =>
      countOf('bunSql', ((await sql.unsafe(text, params as (string | null)[])) as { count?: unknown }).count),
    transaction: async (body) => (await sql.begin((tx: BunSqlLike) => body(on(tx)))) as never,
  };
}

/**
 * A Workers Hyperdrive binding: `hyperdrive(env.HYPERDRIVE, (url) =>
 * postgresJs(postgres(url, { max: 5, fetch_types: false })))`, or with
 * `nodePostgres(new pg.Client(url))` after `connect()`. Workers cannot share
 * a connection between requests, so make the store per request (the
 * manager's `store: (request, env) => …`); the client is created on the
 * store's first statement, not before.
 */
export function hyperdrive(
  binding: HyperdriveLike,
  connect: (connectionString: string) => PostgresConnection | Promise<PostgresConnection>,
): PostgresConnection {
  if (binding === null || typeof binding !== 'object' || typeof binding.connectionString !== 'string')
    throw new TypeError('hyperdrive: the first argument must be a Hyperdrive binding (env.HYPERDRIVE)');
  if (typeof connect !== 'function')
    throw new TypeError('hyperdrive: the second argument must make a connection from a connection string');
  let made: Promise<PostgresConnection> | undefined;
  const connection = () => {
    if (made === undefined) {
      const attempt = Promise.resolve().then(() => connect(binding.connectionString));
      made = attempt;
      // A failed connect is tried again by the next statement.
      attempt.catch(() => {
        if (made === attempt) made = undefined;
      });
    }
    return made;
  };
  return {
    query: async (text, params) => (await connection()).query(text, params),
    transaction: async (body) => (await connection()).transaction(body),
  };
}
