/**
 * The model-based test on a store behind a real server (Redis, PostgreSQL):
 * read cache off, on and checked, the per-user cap, and DBSC with id
 * rotation. Fewer runs than in memory: every command is a round trip.
 */
import { describe, it } from 'vitest';
import type { SessionStore } from '../../src/index.ts';
import { MODEL_RUNS, runModel } from './model.ts';

export function modelOnServerStore(name: string, store: (now: () => number) => SessionStore): void {
  describe(`model: browsers, thieves and the clock against the engine on ${name}`, () => {
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
}
