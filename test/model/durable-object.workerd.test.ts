/** The engine's model-based test (test/model/model.ts) on the Durable Object store, inside workerd. */
import { env } from 'cloudflare:workers';
import { describe, it } from 'vitest';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { MODEL_RUNS, runModel } from './model.ts';

// Each run talks to real Durable Objects: fewer runs than the in-memory model.
const runs = Math.max(3, Math.round(MODEL_RUNS / 5));

describe('model: browsers, thieves and the clock against the engine on Durable Objects', () => {
  for (const cache of ['off', 'on'] as const) {
    it(`read cache ${cache}`, { timeout: 180_000 }, () =>
      runModel({ store: () => new DurableObjectStore(env.SESSIONS_DO), cache, atomic: true, numRuns: runs }),
    );
  }
  it('two sessions per user at most', { timeout: 180_000 }, () =>
    runModel({
      store: () => new DurableObjectStore(env.SESSIONS_DO),
      cache: 'off',
      atomic: true,
      maxSessionsPerUser: 2,
      numRuns: runs,
    }),
  );
  it('id rotation', { timeout: 180_000 }, () =>
    runModel({
      store: () => new DurableObjectStore(env.SESSIONS_DO),
      cache: 'on',
      atomic: true,
      rotation: { every: 20, grace: 5 },
      numRuns: runs,
    }),
  );
  it('device bound sessions, id rotation', { timeout: 180_000 }, () =>
    runModel({
      store: () => new DurableObjectStore(env.SESSIONS_DO),
      cache: 'on',
      atomic: true,
      rotation: { every: 20, grace: 5 },
      dbsc: { maxAge: 30 },
      numRuns: runs,
      maxCommands: 60,
    }),
  );
});
