/** The engine's model-based test (test/model/model.ts) on MemoryStore, with and without the read cache. */
import { describe, it } from 'vitest';
import { MemoryStore } from '../../src/index.ts';
import { MODEL_RUNS, runModel } from './model.ts';

describe('model: browsers, thieves and the clock against the engine on MemoryStore', () => {
  for (const cache of ['off', 'on', 'checked'] as const) {
    it(`read cache ${cache}`, { timeout: 120_000 }, () =>
      runModel({ store: (now) => new MemoryStore({ now }), cache, atomic: true, numRuns: MODEL_RUNS }),
    );
  }
  it('read cache on, two sessions per user at most', { timeout: 120_000 }, () =>
    runModel({
      store: (now) => new MemoryStore({ now }),
      cache: 'checked',
      atomic: true,
      maxSessionsPerUser: 2,
      numRuns: MODEL_RUNS,
    }),
  );
  for (const cache of ['off', 'on', 'checked'] as const) {
    it(`id rotation, read cache ${cache}`, { timeout: 120_000 }, () =>
      runModel({
        store: (now) => new MemoryStore({ now }),
        cache,
        atomic: true,
        rotation: { every: 20, grace: 5 },
        numRuns: MODEL_RUNS,
      }),
    );
  }
  for (const cache of ['off', 'on', 'checked'] as const) {
    it(`device bound sessions, read cache ${cache}`, { timeout: 120_000 }, () =>
      runModel({
        store: (now) => new MemoryStore({ now }),
        cache,
        atomic: true,
        dbsc: { maxAge: 30 },
        maxCommands: 80,
        numRuns: MODEL_RUNS,
      }),
    );
  }
  it('device bound sessions with id rotation, two sessions per user at most', { timeout: 120_000 }, () =>
    runModel({
      store: (now) => new MemoryStore({ now }),
      cache: 'on',
      atomic: true,
      maxSessionsPerUser: 2,
      rotation: { every: 20, grace: 5 },
      dbsc: { maxAge: 30 },
      maxCommands: 80,
      numRuns: MODEL_RUNS,
    }),
  );
});
