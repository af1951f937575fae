/** What each group of checks gets: the options, builders of records and patches, and the registrars. */
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { freshKey, HOUR } from './data.ts';

/** Options for {@link storeConformance}. */
export interface ConformanceOptions {
  /**
   * Moves the store's clock forward by `ms` (for stores with an injectable
   * clock). Without it, expiry checks are skipped.
   */
  advance?: (ms: number) => void | Promise<void>;
  /** The store's current time in ms. Default `Date.now`. */
  now?: () => number;
  /** Size of the large-record check in bytes. Default 64 KiB. */
  largeRecordBytes?: number;
  /** How many concurrent updates the atomicity checks run. Default 50. */
  concurrency?: number;
  /**
   * The `maxRecordBytes` the factory's store was made with: the suite then
   * checks that a write over it throws (naming the option) and the old
   * record stays. Without it, the check is skipped.
   */
  maxRecordBytes?: number;
}

/** One check: a name and a function that throws when the store is wrong. */
export interface ConformanceCheck {
  name: string;
  run: () => Promise<void>;
}

/** The state shared by the groups of one suite. */
export interface Suite {
  options: ConformanceOptions;
  now: () => number;
  concurrency: number;
  record(data?: Record<string, unknown>, userId?: string): SessionRecord;
  patch(changes: Partial<SessionPatch>): SessionPatch;
  check(name: string, run: (store: SessionStore) => Promise<void>): void;
  /**
   * Two sessions of a fresh user, authenticated a minute ago, then a "sign
   * out everywhere else" that keeps `kept`.
   */
  signOutOthers(store: SessionStore & Required<Pick<SessionStore, 'deleteByUser'>>): Promise<{
    user: string;
    kept: string;
    other: string;
    value: SessionRecord;
  }>;
  /** A check of optional methods: it passes at once for a store without them. */
  checkIf<M extends keyof SessionStore>(
    methods: M[],
    name: string,
    run: (store: SessionStore & Required<Pick<SessionStore, M>>) => Promise<void>,
  ): void;
}

/** A suite whose checks are collected into `checks`, each on a store from `factory`. */
export function createSuite(
  factory: () => SessionStore | Promise<SessionStore>,
  options: ConformanceOptions,
  checks: ConformanceCheck[],
): Suite {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 50;
  const record = (data: Record<string, unknown> = {}, userId?: string): SessionRecord => {
    const t = now();
    return {
      data,
      flash: {},
      createdAt: t,
      lastSeenAt: t,
      expiresAt: t + HOUR,
      ...(userId === undefined ? {} : { userId }),
    };
  };
  const patch = (changes: Partial<SessionPatch>): SessionPatch => ({
    now: now(),
    idleMs: HOUR,
    absoluteMs: 24 * HOUR,
    userField: 'userId',
    ...changes,
  });
  const check = (name: string, run: (store: SessionStore) => Promise<void>) =>
    void checks.push({ name, run: async () => run(await factory()) });
  /** A check of optional methods: it passes at once for a store without them. */
  const checkIf = <M extends keyof SessionStore>(
    methods: M[],
    name: string,
    run: (store: SessionStore & Required<Pick<SessionStore, M>>) => Promise<void>,
  ) =>
    check(name, async (store) => {
      if (methods.every((method) => typeof store[method] === 'function'))
        await run(store as SessionStore & Required<Pick<SessionStore, M>>);
    });
  const signOutOthers: Suite['signOutOthers'] = async (store) => {
    const user = `user-${freshKey()}`;
    const [kept, other] = [freshKey(), freshKey()];
    const value = { ...record({ userId: user }, user), authenticatedAt: now() - 60_000 };
    for (const key of [kept, other]) await store.set(key, value, value.expiresAt);
    await store.deleteByUser(user, { except: kept });
    return { user, kept, other, value };
  };
  return { options, now, concurrency, record, patch, check, checkIf, signOutOthers };
}
