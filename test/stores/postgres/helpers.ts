/**
 * Shared by the Postgres store's tests: a private PostgreSQL (server.ts) with
 * a node-postgres pool for the enclosing test file, a fresh schema per store,
 * records and patches.
 */
import { freshNumber } from '../records.ts';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { nodePostgres, type PostgresConnection, postgresJs } from '../../../src/stores/postgres/index.ts';
import { type PostgresServer, startPostgres } from './server.ts';

export interface PostgresFixture {
  server: PostgresServer;
  pool: pg.Pool;
}

/** Starts a PostgreSQL and a pool before the file's tests; ends both after. */
export function usePostgres(): PostgresFixture {
  const fixture = {} as PostgresFixture;
  beforeAll(async () => {
    fixture.server = await startPostgres();
    fixture.pool = new pg.Pool({ connectionString: fixture.server.url, max: 10 });
    // Idle connections the server closes (a test stops it) must not crash the run.
    fixture.pool.on('error', () => undefined);
  }, 60_000);
  afterAll(async () => {
    await fixture.pool?.end();
    await fixture.server?.stop();
  }, 30_000);
  return fixture;
}

/** The drivers' adapters over a fixture's server, and the postgres.js client behind one of them. */
export interface PostgresDrivers {
  /** By name: node-postgres through the fixture's pool and through a single client, and postgres.js. */
  connections: [string, () => PostgresConnection][];
  sql: () => postgres.Sql;
}

/** A single node-postgres client and a postgres.js client (at most `sqlMax` connections) for the file's tests; ended after. */
export function usePostgresDrivers(db: PostgresFixture, sqlMax: number): PostgresDrivers {
  let client: pg.Client | undefined;
  let sql: postgres.Sql | undefined;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: db.server.url });
    client.on('error', () => undefined);
    await client.connect();
    sql = postgres(db.server.url, { max: sqlMax, onnotice: () => undefined });
  });
  afterAll(async () => {
    await client?.end();
    await sql?.end();
  });
  return {
    connections: [
      ['node-postgres Pool', () => nodePostgres(db.pool)],
      ['a node-postgres Client', () => nodePostgres(client!)],
      ['postgres.js', () => postgresJs(sql!)],
    ],
    sql: () => sql!,
  };
}

/** A fresh schema name, so that each store of a file has its own tables. */
export const freshSchema = (label: string): string => `t_${label.replace(/\W/g, '_')}_${freshNumber()}`;

export { freshKey, HOUR, patch, record } from '../records.ts';
