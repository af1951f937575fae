/**
 * PostgresStore through Bun's built-in PostgreSQL client (`SQL` from "bun"),
 * under real Bun. Run by test/stores/postgres/bun.node.test.ts (inside
 * `npm test`) against its private PostgreSQL, or directly:
 * `DATABASE_URL=postgres://… bun test ./test/bun/postgres.bun.ts`.
 */
import { SQL } from 'bun';
import { afterAll, beforeAll, describe, it } from 'bun:test';
import { bunSql, PostgresStore } from '../../src/stores/postgres/index.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { engineRoundTrip } from '../stores/engine-round-trip.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name the test PostgreSQL');
const sql = new SQL(url, { max: 10 });
afterAll(() => sql.close());
const MAX_RECORD_BYTES = 100_000;

describe('PostgresStore conformance through Bun.sql', () => {
  let time = Date.now();
  const now = () => time;
  beforeAll(() => new PostgresStore(bunSql(sql), { schema: 'bun' }).ensureSchema());
  const checks = storeConformance(
    () => new PostgresStore(bunSql(sql), { schema: 'bun', now, maxRecordBytes: MAX_RECORD_BYTES }),
    { now, advance: (ms) => void (time += ms), maxRecordBytes: MAX_RECORD_BYTES },
  );
  for (const check of checks) it(check.name, check.run);
});

describe('PostgresStore behind the session engine on Bun', () => {
  it('login, 50 concurrent increments, logout', async () => {
    const store = new PostgresStore(bunSql(sql), { schema: 'bun_engine' });
    await store.ensureSchema();
    await engineRoundTrip(store);
  });
});
