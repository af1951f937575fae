/**
 * The engine's guarantees under composition on a real PostgreSQL: the
 * store-dependent cases (test/session/composition-cases.ts) and the
 * model-based test (test/model/model.ts), read cache off, on and checked.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { nodePostgres, PostgresStore } from '../../../src/stores/postgres/index.ts';
import { MODEL_RUNS, runModel } from '../../model/model.ts';
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

describe('model: browsers, thieves and the clock against the engine on PostgresStore', () => {
  const runs = Math.max(5, Math.round(MODEL_RUNS / 3));
  for (const cache of ['off', 'on', 'checked'] as const) {
    it(`read cache ${cache}`, { timeout: 180_000 }, () =>
      runModel({ store, cache, atomic: true, numRuns: runs }),
    );
  }
  it('two sessions per user at most', { timeout: 180_000 }, () =>
    runModel({ store, cache: 'checked', atomic: true, maxSessionsPerUser: 2, numRuns: runs }),
  );
  it('device bound sessions, id rotation', { timeout: 180_000 }, () =>
    runModel({
      store,
      cache: 'checked',
      atomic: true,
      rotation: { every: 20, grace: 5 },
      dbsc: { maxAge: 30 },
      numRuns: runs,
      maxCommands: 60,
    }),
  );
});
