/**
 * The engine's model-based test (test/model/model.ts) on KVStore over the
 * multi-location KV fake: every browser at its own location, thieves at
 * another, writes reaching other locations only after KV's propagation
 * (about 60 s), which every "final" of the model may then take on top.
 */
import { describe, it } from 'vitest';
import { KVStore } from '../../../src/stores/kv/index.ts';
import { MODEL_RUNS, runModel } from '../../model/model.ts';
import { MultiLocationKV } from './multi-location.ts';

const PROPAGATION_S = 60;

/** One fake KV for the run; each location a binding of its own with its own store, on the model's clock. */
function perLocation(now: () => number) {
  const kv = new MultiLocationKV({ now, propagationMs: PROPAGATION_S * 1000 });
  const stores = new Map<string, KVStore>();
  return (location: string) => {
    let store = stores.get(location);
    if (store === undefined) stores.set(location, (store = new KVStore(kv.location(location), { now })));
    return store;
  };
}

describe('model: browsers, thieves and the clock against the engine on KVStore at several locations', () => {
  // KVStore spaces writes to one key a second apart on real timers: fewer, shorter runs.
  const runs = Math.max(4, Math.round(MODEL_RUNS / 6));
  for (const cache of ['off', 'on', 'checked'] as const) {
    it(`read cache ${cache}`, { timeout: 180_000 }, () =>
      runModel({ store: perLocation, cache, storeBound: PROPAGATION_S, atomic: true, numRuns: runs }),
    );
  }
});
