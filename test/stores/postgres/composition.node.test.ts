/**
 * The engine's guarantees under composition on a real PostgreSQL: the
 * store-dependent cases (test/session/composition-cases.ts) and the
 * model-based test (test/model/model.ts), read cache off, on and checked.
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { nodePostgres, PostgresStore } from '../../../src/stores/postgres/index.ts';
import { modelOnServerStore } from '../../model/server-store.ts';
import { compositionGuarantees } from '../../session/composition-cases.ts';
import { freshSchema, usePostgres } from './helpers.ts';

const db = usePostgres();
let pool: pg.Pool;
const schema = freshSchema('composition');

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: db.server.url, max: 10 });
  pool.on('error', () => undefined);
  await new PostgresStore(nodePostgres(pool), { schema }).ensureSchema();
});

afterAll(async () => {
  await pool?.end();
});

/** A store on the shared schema, on the test's clock (sessions are told apart by their random ids and users). */
const store = (now: () => number) => new PostgresStore(nodePostgres(pool), { schema, now });

compositionGuarantees('PostgresStore', store);

modelOnServerStore('PostgresStore', store);
