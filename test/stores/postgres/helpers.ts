/**
 * Shared by the Postgres store's tests: a private PostgreSQL (server.ts) with
 * a node-postgres pool for the enclosing test file, a fresh schema per store,
 * records and patches.
 */
import { freshNumber } from '../records.ts';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
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

/** A fresh schema name, so that each store of a file has its own tables. */
export const freshSchema = (label: string): string => `t_${label.replace(/\W/g, '_')}_${freshNumber()}`;

export { freshKey, HOUR, patch, record } from '../records.ts';
