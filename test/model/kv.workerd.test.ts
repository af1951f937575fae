/** The engine's model-based test (test/model/model.ts) on KVStore over workerd's own KV binding (one location). */
import { env } from 'cloudflare:workers';
import { describe, it } from 'vitest';
import { KVStore } from '../../src/stores/kv/index.ts';
import { MODEL_RUNS, runModel } from './model.ts';

let prefix = 0;
// KVStore spaces writes to one key a second apart on real timers: few, short runs.
const runs = Math.max(3, Math.round(MODEL_RUNS / 8));

describe('model: browsers, thieves and the clock against the engine on KVStore in workerd', () => {
  for (const cache of ['off', 'checked'] as const) {
    it(`read cache ${cache}`, { timeout: 180_000 }, () =>
      runModel({
        store: (now) => new KVStore(env.SESSIONS_KV, { keyPrefix: `model-${prefix++}:`, now }),
        cache,
        atomic: true,
        numRuns: runs,
        maxCommands: 15,
      }),
    );
  }
  it('id rotation', { timeout: 180_000 }, () =>
    runModel({
      store: (now) => new KVStore(env.SESSIONS_KV, { keyPrefix: `model-${prefix++}:`, now }),
      cache: 'off',
      atomic: true,
      rotation: { every: 20, grace: 5 },
      numRuns: runs,
      maxCommands: 15,
    }),
  );
  it('device bound sessions', { timeout: 180_000 }, () =>
    runModel({
      store: (now) => new KVStore(env.SESSIONS_KV, { keyPrefix: `model-${prefix++}:`, now }),
      cache: 'checked',
      atomic: true,
      dbsc: { maxAge: 30 },
      numRuns: runs,
      maxCommands: 15,
    }),
  );
});
