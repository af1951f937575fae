/**
 * A model-based test of the session engine on a real store: browsers and
 * thieves holding copied cookie pairs, driven by fast-check against a model
 * of who holds which session, through logins, writes, reads, logouts,
 * regenerations, revocations (one session, all but one, the per-user cap),
 * the read cache on and off, the clock, and requests that overlap.
 *
 * Invariants, checked on every read:
 * - an ended session never reads again once its stated bound has passed
 *   (0 without a read cache or with `checkRevocation`; the cache's `maxAge`
 *   without; a store's own propagation bound on top, e.g. KV's);
 * - no accepted write is lost: a browser reads every increment it made;
 * - `authenticatedAt` moves only at a login (regenerate) by the session's
 *   own request: "sign out everywhere else" does not move it;
 * - a browser never reads older data than a response it has received.
 *
 * With id rotation on (`rotation`), cookie values are followed as the
 * engine rotates them, and also:
 * - an honest browser is never flagged: `reuseDetected` fires only for a
 *   session a thief copied;
 * - a copied value used after the session rotated past it and grace passed
 *   ends the session (the thief's, or the victim's once the thief rotated).
 *
 * With Device Bound Session Credentials on (`dbsc`), some browsers bind
 * their sessions to a device key: see test/model/dbsc.ts.
 *
 * The model's state, requests and checks are in world.ts, its commands in
 * commands.ts; this file runs them.
 */
import fc from 'fast-check';
import { createSessionManager, deviceBoundSessions, readCache } from '../../src/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';
import { commands } from './commands.ts';
import { dbscJar, dbscWorld } from './dbsc.ts';
import {
  MAX_AGE,
  reuseDetected,
  StrictClock,
  type Data,
  type ModelOptions,
  type ModelWorld,
} from './world.ts';

export type { ModelOptions } from './world.ts';

/** Runs the model against a store; throws with the failing command sequence. */
export async function runModel(options: ModelOptions): Promise<void> {
  const cacheBound = options.cache === 'on' ? MAX_AGE : 0;
  await fc.assert(
    fc.asyncProperty(commands(options), async (cmds) => {
      const clock = new StrictClock();
      const made = await options.store(clock.now);
      const store =
        typeof made === 'function'
          ? (request: Request) => made(request.headers.get('x-location') ?? 'admin')
          : made;
      let world: ModelWorld | undefined;
      const manager = createSessionManager<Data>({
        secrets: SECRET,
        store,
        now: clock.now,
        idleTimeout: 3600,
        absoluteTimeout: 86_400,
        ...(options.maxSessionsPerUser ? { maxSessionsPerUser: options.maxSessionsPerUser } : {}),
        ...(options.rotation
          ? {
              rotation: options.rotation,
              hookMode: 'await' as const,
              hooks: { reuseDetected: (event) => reuseDetected(world!, event.handle) },
              onHookError: (error: unknown) => void (world!.hookError ??= error),
            }
          : {}),
        ...(options.dbsc ? { deviceBoundSessions: deviceBoundSessions({ cookie: options.dbsc }) } : {}),
        ...(options.cache === 'off'
          ? {}
          : { readCache: readCache({ maxAge: MAX_AGE, checkRevocation: options.cache === 'checked' }) }),
      });
      const dbsc = options.dbsc ? dbscWorld(manager) : undefined;
      world = {
        clock,
        manager,
        browsers: [0, 1, 2].map((i) => ({
          jar: dbsc && i < 2 ? dbscJar(dbsc, clock.now, `location-${i}`) : new CookieJar(),
          thief: false,
          location: `location-${i}`,
          session: undefined,
        })),
        thieves: [],
        sessions: [],
        bound: cacheBound + (options.storeBound ?? 0),
        eventual: (options.storeBound ?? 0) > 0,
        rotation: options.rotation,
        chains: new Map(),
        dbsc,
      };
      try {
        await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
      } finally {
        await options.cleanup?.();
      }
    }),
    { numRuns: options.numRuns, ...seed() },
  );
}

/** `MODEL_SEED=<n>` replays the run fast-check reported as failing. */
function seed(): { seed?: number } {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.MODEL_SEED;
  return value === undefined ? {} : { seed: Number(value) };
}

/** Runs per configuration: modest in `npm test`, larger with MODEL_RUNS (npm run model). */
export const MODEL_RUNS = Number(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MODEL_RUNS ?? 25,
);
