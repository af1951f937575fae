/**
 * PostgresStore against the PostgreSQL of the Debian package (15 here;
 * test/stores/postgres/debian-server.ts), beside the embedded 18 the other
 * tests use: the conformance suite and the engine round trip through
 * node-postgres, so the SQL is checked on the oldest server CI has.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePostgres, PostgresStore } from '../../../src/stores/postgres/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { engineRoundTrip } from '../engine-round-trip.ts';
import { startDebianPostgres } from './debian-server.ts';

let server: Awaited<ReturnType<typeof startDebianPostgres>>;
let pool: pg.Pool;
const MAX_RECORD_BYTES = 100_000;

beforeAll(async () => {
  server = await startDebianPostgres(15);
  pool = new pg.Pool({ connectionString: server.url, max: 10 });
  pool.on('error', () => undefined);
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
}, 30_000);

describe("PostgresStore conformance on Debian's PostgreSQL", () => {
  let time = Date.now();
  const now = () => time;
  beforeAll(() => new PostgresStore(nodePostgres(pool), { schema: 'debian' }).ensureSchema());

  it('is PostgreSQL 15', async () => {
    const { rows } = await pool.query('SHOW server_version_num');
    expect(Math.floor(Number(rows[0].server_version_num) / 10_000)).toBe(15);
  });

  const checks = storeConformance(
    () => new PostgresStore(nodePostgres(pool), { schema: 'debian', now, maxRecordBytes: MAX_RECORD_BYTES }),
    { now, advance: (ms) => void (time += ms), maxRecordBytes: MAX_RECORD_BYTES },
  );
  for (const check of checks) it(check.name, check.run);

  it('behind the session engine: login, 50 concurrent increments, logout', async () => {
    const store = new PostgresStore(nodePostgres(pool), { schema: 'debian_engine' });
    await store.ensureSchema();
    await engineRoundTrip(store);
  });
});
