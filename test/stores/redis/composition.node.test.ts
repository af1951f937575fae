/**
 * The engine's guarantees under composition on a real Redis: the
 * store-dependent cases (test/session/composition-cases.ts) and the
 * model-based test (test/model/model.ts), read cache off, on and checked.
 */
import { describe, it } from 'vitest';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { MODEL_RUNS, runModel } from '../../model/model.ts';
import { compositionGuarantees } from '../../session/composition-cases.ts';
import { useRedis } from './helpers.ts';

const redis = useRedis();
let prefix = 0;
/** A store on its own key prefix, on the test's clock. */
const store = (now: () => number) =>
  new RedisStore(nodeRedis(redis.client), { keyPrefix: `composition-${prefix++}:`, now });

compositionGuarantees('RedisStore', store);

describe('model: browsers, thieves and the clock against the engine on RedisStore', () => {
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
