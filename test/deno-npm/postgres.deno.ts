/**
 * PostgresStore through postgres.js (`npm:postgres`, resolved from the
 * project's node_modules) under real Deno. Run by
 * test/stores/postgres/deno.node.test.ts (inside `npm test`) against its
 * private PostgreSQL, or directly:
 * `DATABASE_URL=postgres://… deno test --no-config --node-modules-dir=manual --allow-net --allow-env test/deno-npm/postgres.deno.ts`.
 */
import postgres from 'npm:postgres';
import { PostgresStore, postgresJs } from '../../src/stores/postgres/index.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { engineRoundTrip } from '../stores/engine-round-trip.ts';

const url = Deno.env.get('DATABASE_URL');
if (!url) throw new Error('DATABASE_URL must name the test PostgreSQL');
const sql = postgres(url, { max: 10, onnotice: () => undefined });
const MAX_RECORD_BYTES = 100_000;

// One client for every test: Deno's leak checks would see a client per test as leaked.
const test = (name: string, run: () => Promise<void>) =>
  Deno.test({ name, fn: run, sanitizeOps: false, sanitizeResources: false });

test('creates the schema', () => new PostgresStore(postgresJs(sql), { schema: 'deno' }).ensureSchema());

{
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(
    () => new PostgresStore(postgresJs(sql), { schema: 'deno', now, maxRecordBytes: MAX_RECORD_BYTES }),
    { now, advance: (ms) => void (time += ms), maxRecordBytes: MAX_RECORD_BYTES },
  );
  for (const check of checks) test(`conformance: ${check.name}`, check.run);
}

test('behind the session engine: login, 50 concurrent increments, logout', async () => {
  const store = new PostgresStore(postgresJs(sql), { schema: 'deno_engine' });
  await store.ensureSchema();
  await engineRoundTrip(store);
});

test('closes the client', () => sql.end());
