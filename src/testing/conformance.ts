/**
 * A conformance suite for `SessionStore` implementations. Runner-agnostic:
 * it returns named checks that throw on failure, so any test framework can
 * run them:
 *
 * ```ts
 * import { storeConformance } from 'tesserajs/testing';
 * for (const check of storeConformance(() => new RedisStore(nodeRedis(client)))) it(check.name, check.run);
 * ```
 */
import { applyPatch, renewRecord } from '../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../session/types.ts';

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

const HOUR = 3_600_000;

class ConformanceError extends Error {
  override name = 'ConformanceError';
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

function same(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  assert(a === b, `${message}\n  expected ${b}\n  received ${a}`);
}

/** JSON with object keys sorted: equal for records that differ only in key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys a store must keep apart: JSON-path syntax, quotes, escapes, U+0000, prototype names, astral characters. */
const HOSTILE_KEYS = [
  'a',
  'a.b',
  '"',
  "'",
  '\\',
  'a\\"b',
  '$.x',
  '[0]',
  '',
  '__proto__',
  'constructor',
  '🍪',
  'line\nbreak',
  'nul\u0000key',
  'userId',
];

function randomValue(next: () => number, depth = 0): unknown {
  const pick = <V>(list: readonly V[]): V => list[Math.floor(next() * list.length)]!;
  switch (Math.floor(next() * (depth < 2 ? 8 : 6))) {
    case 0:
      return Math.floor(next() * 2000) - 1000;
    case 1:
      return pick([0.1, 0.2, 1e21, 2 ** 53, -0.5, 5e-324, 1.7976931348623157e308, 123456789.123]);
    case 2:
      return pick(['', 'text', 'Zoë 🍪', 'quote " and \\ backslash', '\u2028', 'nul\u0000inside']);
    case 3:
      return next() < 0.5;
    case 4:
      return null;
    case 5:
      return pick(HOSTILE_KEYS);
    case 6:
      return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 3) }, () => [
          pick(HOSTILE_KEYS),
          randomValue(next, depth + 1),
        ]),
      );
  }
}

let counter = 0;
/** A fresh store key shaped like the engine's (43 base64url characters). */
function freshKey(): string {
  const random = crypto.getRandomValues(new Uint8Array(24));
  const text = `k${(counter++).toString(36)}_${Array.from(random, (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('')}`;
  return text.padEnd(43, 'x').slice(0, 43);
}

/**
 * The checks every store must pass: get/set/delete round trips, isolation of
 * keys and of returned objects, expiry (when the clock can be advanced), and —
 * for the optional methods a store implements — touch, atomic update under
 * concurrency, and the user index.
 */
export function storeConformance(
  factory: () => SessionStore | Promise<SessionStore>,
  options: ConformanceOptions = {},
): ConformanceCheck[] {
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
  const checks: ConformanceCheck[] = [];
  const check = (name: string, run: (store: SessionStore) => Promise<void>) =>
    checks.push({ name, run: async () => run(await factory()) });
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

  check('get of an unknown key is null', async (store) => {
    same(await store.get(freshKey()), null, 'get(unknown)');
  });

  check('set then get returns the same record', async (store) => {
    const key = freshKey();
    const value = {
      ...record({ user: { id: 7, name: 'Zoë 🍪' }, list: [1, 'two', null], flag: false }, 'user-7'),
      flash: { notice: 'hi' },
    };
    await store.set(key, value, value.expiresAt);
    same(await store.get(key), value, 'get after set');
  });

  check('set overwrites and keys are independent', async (store) => {
    const [a, b] = [freshKey(), freshKey()];
    await store.set(a, record({ v: 1 }), now() + HOUR);
    await store.set(b, record({ v: 2 }), now() + HOUR);
    await store.set(a, record({ v: 3 }), now() + HOUR);
    same((await store.get(a))?.data, { v: 3 }, 'overwritten record');
    same((await store.get(b))?.data, { v: 2 }, 'neighbouring record');
  });

  check('delete removes a record and ignores unknown keys', async (store) => {
    const key = freshKey();
    await store.set(key, record({ v: 1 }), now() + HOUR);
    await store.delete(key);
    same(await store.get(key), null, 'get after delete');
    await store.delete(freshKey());
  });

  check('records read back are copies', async (store) => {
    const key = freshKey();
    const value = record({ list: [1] });
    await store.set(key, value, value.expiresAt);
    (value.data.list as number[]).push(2);
    const read = await store.get(key);
    same(read?.data, { list: [1] }, 'record after mutating the written object');
    (read!.data.list as number[]).push(3);
    same((await store.get(key))?.data, { list: [1] }, 'record after mutating a read object');
  });

  check('keys named like Object.prototype members are plain keys', async (store) => {
    const key = freshKey();
    // JSON.parse makes "__proto__" an own key, as a session read from any store has it.
    const data = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}') as Record<string, unknown>;
    const value = record(data);
    await store.set(key, value, value.expiresAt);
    same(Object.entries((await store.get(key))?.data ?? {}), Object.entries(data), 'entries after set');
    if (store.update) {
      assert(
        await store.update(key, patch({ set: JSON.parse('{"__proto__":"q"}') as Record<string, unknown> })),
        'update must return true',
      );
      same(
        Object.entries((await store.get(key))?.data ?? {}),
        [
          ['__proto__', 'q'],
          ['constructor', 'c'],
          ['toString', 't'],
        ],
        'entries after update',
      );
    }
  });

  check(
    `a ${Math.round((options.largeRecordBytes ?? 65_536) / 1024)} KiB record round-trips`,
    async (store) => {
      const key = freshKey();
      const value = record({ blob: 'x'.repeat(options.largeRecordBytes ?? 65_536) });
      await store.set(key, value, value.expiresAt);
      same((await store.get(key))?.data.blob, value.data.blob, 'large value');
    },
  );

  if (options.advance) {
    const advance = options.advance;
    check('an expired record is not handed out as live', async (store) => {
      const key = freshKey();
      const value = { ...record({ v: 1 }), expiresAt: now() + 1000 };
      await store.set(key, value, value.expiresAt);
      await advance(1001);
      const read = await store.get(key);
      assert(read === null || read.expiresAt <= now(), 'get after expiry returned a live record');
    });

    checkIf(['listByUser'], 'listByUser (if implemented) leaves out expired sessions', async (store) => {
      const user = `user-${freshKey()}`;
      const [short, long] = [freshKey(), freshKey()];
      await store.set(short, { ...record({}, user), expiresAt: now() + 1000 }, now() + 1000);
      await store.set(long, record({}, user), now() + HOUR);
      await advance(1001);
      same(await store.listByUser(user), [long], 'listByUser after one session expired');
    });
  }

  checkIf(['touch'], 'touch (if implemented) moves timestamps, keeps data', async (store) => {
    const key = freshKey();
    const value = record({ v: 1 });
    await store.set(key, value, value.expiresAt);
    const later = { ...value, lastSeenAt: value.lastSeenAt + 5000, expiresAt: value.expiresAt + 5000 };
    await store.touch(key, later, later.expiresAt);
    const read = await store.get(key);
    same(read?.data, { v: 1 }, 'data after touch');
    assert(read!.expiresAt >= value.expiresAt, 'touch must not shorten expiry');
    const unknown = freshKey();
    await store.touch(unknown, later, later.expiresAt);
    same(await store.get(unknown), null, 'touch of an unknown key must not create it');
  });

  checkIf(
    ['update'],
    'update (if implemented) applies patches and refuses missing or expired records',
    async (store) => {
      const key = freshKey();
      assert(
        (await store.update(key, patch({ set: { a: 1 } }))) === false,
        'update of a missing key must return false',
      );
      same(await store.get(key), null, 'update of a missing key must not create it');
      const value = record({ keep: true, drop: 1 });
      await store.set(key, value, value.expiresAt);
      assert(
        await store.update(
          key,
          patch({ set: { a: 1 }, unset: ['drop'], flash: { f: 'x' }, increment: { n: 2 } }),
        ),
        'update must return true',
      );
      const expected = applyPatch(
        value,
        patch({ set: { a: 1 }, unset: ['drop'], flash: { f: 'x' }, increment: { n: 2 } }),
      )!;
      same((await store.get(key))?.data, expected.data, 'data after update');
      same((await store.get(key))?.flash, { f: 'x' }, 'flash after update');
      assert(
        (await store.update(key, patch({ now: now() + 2 * HOUR, set: { late: true } }))) === false,
        'update of an expired record must return false',
      );
    },
  );

  checkIf(
    ['update'],
    `update (if implemented) is atomic: ${concurrency} concurrent keys and increments all survive`,
    async (store) => {
      const key = freshKey();
      const value = record();
      await store.set(key, value, value.expiresAt);
      const results = await Promise.all([
        ...Array.from({ length: concurrency }, (_, i) => store.update(key, patch({ set: { [`k${i}`]: i } }))),
        ...Array.from({ length: concurrency }, () => store.update(key, patch({ increment: { count: 1 } }))),
      ]);
      assert(results.every(Boolean), 'every concurrent update must succeed');
      const data = (await store.get(key))!.data;
      for (let i = 0; i < concurrency; i++) same(data[`k${i}`], i, `key k${i} after concurrent updates`);
      same(data.count, concurrency, 'counter after concurrent increments');
    },
  );

  checkIf(
    ['update'],
    'update (if implemented) agrees with applyPatch on random patches with hostile keys',
    async (store) => {
      const next = random(0x5e55);
      const pick = <V>(list: readonly V[]): V => list[Math.floor(next() * list.length)]!;
      const dictionary = <V>(make: () => V): Record<string, V> => {
        const out: Record<string, V> = {};
        for (let i = Math.floor(next() * 3); i > 0; i--)
          Object.defineProperty(out, pick(HOSTILE_KEYS), {
            value: make(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return out;
      };
      // Independent keys, so the runs go in parallel (stores that space writes to one key stay quick).
      const runs = Array.from({ length: 25 }, (_, run) => {
        const before: SessionRecord = {
          ...record(dictionary(() => randomValue(next))),
          flash: dictionary(() => randomValue(next)),
        };
        const changes: Partial<SessionPatch> = {};
        if (next() < 0.6) changes.set = dictionary(() => randomValue(next));
        if (next() < 0.4) changes.unset = [pick(HOSTILE_KEYS)];
        if (next() < 0.4) changes.increment = dictionary(() => pick([1, -2, 0.5, 40]));
        if (next() < 0.4) changes.push = dictionary(() => [randomValue(next)]);
        if (next() < 0.4) changes.pull = dictionary(() => [randomValue(next), pick(HOSTILE_KEYS)]);
        if (next() < 0.4) changes.flash = dictionary(() => randomValue(next));
        if (next() < 0.4) changes.consumed = Object.fromEntries(Object.entries(before.flash).slice(0, 1));
        return { run, before, change: patch({ ...changes, now: now() + 1000 }) };
      });
      await Promise.all(
        runs.map(async ({ run, before, change }) => {
          const key = freshKey();
          await store.set(key, before, before.expiresAt);
          assert(await store.update(key, change), `update must return true (run ${run})`);
          const expected = canonical(applyPatch(before, change));
          same(
            canonical(await store.get(key)),
            expected,
            `record after update (run ${run}, patch ${JSON.stringify(change)})`,
          );
        }),
      );
    },
  );

  checkIf(
    ['update'],
    `update (if implemented): ${concurrency} concurrent pushes all survive, and pull removes`,
    async (store) => {
      const key = freshKey();
      const value = record({ list: ['seed'] });
      await store.set(key, value, value.expiresAt);
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.update(key, patch({ push: { list: [{ item: i }] } })),
        ),
      );
      assert(results.every(Boolean), 'every concurrent push must succeed');
      const list = (await store.get(key))!.data.list as unknown[];
      same(list.length, concurrency + 1, 'list length after concurrent pushes');
      for (let i = 0; i < concurrency; i++)
        assert(
          list.some((item) => canonical(item) === canonical({ item: i })),
          `item ${i} after concurrent pushes`,
        );
      assert(
        await store.update(key, patch({ pull: { list: ['seed', { item: 0 }] } })),
        'pull must return true',
      );
      same(
        ((await store.get(key))!.data.list as unknown[]).length,
        concurrency - 1,
        'list length after pull',
      );
    },
  );

  checkIf(['update'], 'update (if implemented) never writes back a deleted session', async (store) => {
    const key = freshKey();
    const value = record({ v: 1 }, `user-${freshKey()}`);
    await store.set(key, value, value.expiresAt);
    await store.delete(key);
    assert(
      (await store.update(key, patch({ set: { v: 2 } }))) === false,
      'update after delete must return false',
    );
    same(await store.get(key), null, 'get after delete and update');
    if (store.deleteByUser) {
      const revoked = freshKey();
      await store.set(revoked, value, value.expiresAt);
      await store.deleteByUser(value.userId!);
      assert(
        (await store.update(revoked, patch({ set: { v: 3 } }))) === false,
        'update after deleteByUser must return false',
      );
      same(await store.get(revoked), null, 'get after deleteByUser and update');
    }
  });

  checkIf(
    ['listByUser', 'deleteByUser'],
    'deleteByUser (if implemented) with except keeps that one session ("sign out everywhere else")',
    async (store) => {
      const user = `user-${freshKey()}`;
      const [kept, other, third] = [freshKey(), freshKey(), freshKey()];
      for (const key of [kept, other, third])
        await store.set(key, record({ userId: user }, user), now() + HOUR);
      await store.deleteByUser(user, { except: kept });
      same(await store.get(other), null, 'another session of the user');
      same(await store.get(third), null, 'a third session of the user');
      assert((await store.get(kept)) !== null, 'the kept session must survive');
      same(await store.listByUser(user), [kept], 'listByUser after deleteByUser with except');
    },
  );

  checkIf(
    ['update', 'listByUser'],
    'update and listByUser (if implemented): an update that changes the user field moves the session',
    async (store) => {
      const [first, second] = [`user-${freshKey()}`, `user-${freshKey()}`];
      const key = freshKey();
      const value = record({ userId: first }, first);
      await store.set(key, value, value.expiresAt);
      assert(await store.update(key, patch({ set: { userId: second } })), 'update must return true');
      same((await store.get(key))?.userId, second, 'userId of the updated record');
      same(await store.listByUser(first), [], 'listByUser of the previous user');
      same(await store.listByUser(second), [key], 'listByUser of the new user');
      assert(await store.update(key, patch({ unset: ['userId'] })), 'update must return true');
      same(await store.listByUser(second), [], 'listByUser after the user field was removed');
    },
  );

  checkIf(
    ['listByUser', 'deleteByUser'],
    'listByUser / deleteByUser (if implemented) follow the record user',
    async (store) => {
      const user = `user-${freshKey()}`;
      const other = `other-${freshKey()}`;
      const mine = [freshKey(), freshKey(), freshKey()];
      const theirs = freshKey();
      for (const key of mine) await store.set(key, record({}, user), now() + HOUR);
      await store.set(theirs, record({}, other), now() + HOUR);
      same((await store.listByUser(user)).sort(), [...mine].sort(), 'listByUser');
      assert((await store.deleteByUser(user)) >= 3, 'deleteByUser must report the sessions it deleted');
      for (const key of mine) same(await store.get(key), null, 'a revoked session');
      same(await store.listByUser(user), [], 'listByUser after deleteByUser');
      assert((await store.get(theirs)) !== null, "another user's session must survive");
      // A session that changes hands leaves the first user's list.
      await store.set(theirs, record({}, user), now() + HOUR);
      same(await store.listByUser(other), [], 'listByUser of the previous user');
      same(await store.listByUser(user), [theirs], 'listByUser of the new user');
    },
  );

  checkIf(
    ['listByUser', 'deleteByUser'],
    'deleteByUser (if implemented) with except leaves the kept session authenticatedAt as it was',
    async (store) => {
      const user = `user-${freshKey()}`;
      const [kept, other] = [freshKey(), freshKey()];
      const value = { ...record({ userId: user }, user), authenticatedAt: now() - 60_000 };
      for (const key of [kept, other]) await store.set(key, value, value.expiresAt);
      await store.deleteByUser(user, { except: kept });
      const after = await store.get(kept);
      assert(after !== null, 'the kept session must survive');
      same(after.authenticatedAt, value.authenticatedAt, 'authenticatedAt of the kept session');
    },
  );

  checkIf(
    ['update'],
    'update (if implemented) keeps keptAt and authenticatedAt of the record',
    async (store) => {
      const key = freshKey();
      const value = {
        ...record({ n: 1 }, 'user-kept'),
        authenticatedAt: now() - 60_000,
        keptAt: now() - 1_000,
      };
      await store.set(key, value, value.expiresAt);
      assert(await store.update(key, patch({ set: { n: 2 } })), 'update must return true');
      const after = await store.get(key);
      same(after?.keptAt, value.keptAt, 'keptAt after update');
      same(after?.authenticatedAt, value.authenticatedAt, 'authenticatedAt after update');
    },
  );

  checkIf(['move'], 'move (if implemented) renews a live record under the new key', async (store) => {
    const user = `user-${freshKey()}`;
    const [from, to] = [freshKey(), freshKey()];
    const value = {
      ...record({ userId: user, n: 1 }, user),
      createdAt: now() - 60_000,
      authenticatedAt: now() - 60_000,
    };
    await store.set(from, value, value.expiresAt);
    const change = patch({ set: { after: true } });
    assert(await store.move(from, to, change), 'move of a live record must return true');
    same(await store.get(from), null, 'the old key after move');
    same(await store.get(to), renewRecord(value, change), 'the new key after move');
    if (store.listByUser) same(await store.listByUser(user), [to], 'listByUser after move');
  });

  checkIf(
    ['move'],
    'move (if implemented) carries nothing from a deleted or missing record',
    async (store) => {
      const [from, to] = [freshKey(), freshKey()];
      const value = record({ n: 1 });
      await store.set(from, value, value.expiresAt);
      await store.delete(from);
      assert(!(await store.move(from, to, patch({}))), 'move of a deleted record must return false');
      same(await store.get(to), null, 'the new key after a refused move');
      assert(!(await store.move(freshKey(), to, patch({}))), 'move of an unknown key must return false');
      same(await store.get(to), null, 'the new key after a refused move');
    },
  );

  if (options.advance) {
    const advance = options.advance;
    checkIf(['move'], 'move (if implemented) carries nothing from an expired record', async (store) => {
      const [from, to] = [freshKey(), freshKey()];
      const value = { ...record({ n: 1 }), expiresAt: now() + 1_000 };
      await store.set(from, value, value.expiresAt);
      await advance(2_000);
      assert(!(await store.move(from, to, patch({}))), 'move of an expired record must return false');
      same(await store.get(to), null, 'the new key after a refused move');
    });
  }

  checkIf(
    ['hasEnded'],
    'hasEnded (if implemented): false while live, true once the session is deleted',
    async (store) => {
      const key = freshKey();
      const value = record({ n: 1 });
      await store.set(key, value, value.expiresAt);
      assert(!(await store.hasEnded(key, value)), 'hasEnded of a live session must be false');
      await store.delete(key);
      assert(await store.hasEnded(key, value), 'hasEnded of a deleted session must be true');
    },
  );

  checkIf(
    ['hasEnded', 'listByUser', 'deleteByUser'],
    'hasEnded (if implemented) sees a revocation of the user, but not for the session it kept',
    async (store) => {
      const user = `user-${freshKey()}`;
      const [kept, other] = [freshKey(), freshKey()];
      const value = { ...record({ userId: user }, user), authenticatedAt: now() - 60_000 };
      for (const key of [kept, other]) await store.set(key, value, value.expiresAt);
      await store.deleteByUser(user, { except: kept });
      assert(await store.hasEnded(other, value), 'hasEnded of a revoked session must be true');
      const keptRecord = await store.get(kept);
      assert(keptRecord !== null, 'the kept session must survive');
      assert(!(await store.hasEnded(kept, keptRecord)), 'hasEnded of the kept session must be false');
      const later = { ...record({ userId: user }, user), authenticatedAt: now() + 1 };
      const fresh = freshKey();
      await store.set(fresh, later, later.expiresAt);
      assert(
        !(await store.hasEnded(fresh, later)),
        'hasEnded of a session authenticated after the revocation must be false',
      );
    },
  );

  const limit = options.maxRecordBytes;
  if (limit !== undefined) {
    check(`a write over maxRecordBytes (${limit}) throws and the old record stays`, async (store) => {
      const key = freshKey();
      const value = record({ small: 'x' });
      await store.set(key, value, value.expiresAt);
      const big = record({ big: 'x'.repeat(limit) });
      let refused: unknown;
      try {
        await store.set(key, big, big.expiresAt);
      } catch (error) {
        refused = error;
      }
      assert(
        refused instanceof Error && /maxRecordBytes/.test(refused.message),
        'set over the limit must throw naming maxRecordBytes',
      );
      same((await store.get(key))?.data, { small: 'x' }, 'the record after a refused set');
      if (store.update) {
        refused = undefined;
        try {
          await store.update(key, patch({ set: { big: 'é'.repeat(limit / 2 + 1) } }));
        } catch (error) {
          refused = error;
        }
        assert(
          refused instanceof Error && /maxRecordBytes/.test(refused.message),
          'update over the limit must throw naming maxRecordBytes',
        );
        same((await store.get(key))?.data, { small: 'x' }, 'the record after a refused update');
      }
    });
  }

  return checks;
}
