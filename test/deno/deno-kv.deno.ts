/**
 * DenoKVStore under real Deno with an in-memory Deno KV. Run by
 * test/stores/deno-kv.node.test.ts (inside `npm test`), or directly:
 * `deno test --no-config --no-check --unstable-kv test/deno/deno-kv.deno.ts`.
 * (Type-checking the graph under Deno's settings trips on the crypto layer's
 * BufferSource types; `types.deno.ts` checks the store itself.)
 */
import { createSessionManager, type SessionPatch, type SessionRecord } from '../../src/index.ts';
import {
  DenoKVStore,
  type DenoKvAtomicLike,
  type DenoKvKey,
  type DenoKvLike,
} from '../../src/stores/deno-kv.ts';
import { engineRoundTrip } from '../stores/engine-round-trip.ts';
import { devicesScenario } from '../session/devices-scenario.ts';
import { storeConformance } from '../../src/testing/index.ts';

const kv = await Deno.openKv(':memory:');

const HOUR = 3_600_000;
let n = 0;
const prefix = (): string[] => ['test', String(n++)];
const key = (label: string) => `${label}-${n++}-`.padEnd(43, 'x');
const record = (now: number, data: Record<string, unknown> = {}, userId?: string): SessionRecord => ({
  data,
  flash: {},
  createdAt: now,
  lastSeenAt: now,
  expiresAt: now + HOUR,
  ...(userId === undefined ? {} : { userId }),
});
const patch = (now: number, changes: Partial<SessionPatch> = {}): SessionPatch => ({
  now,
  idleMs: HOUR,
  absoluteMs: 24 * HOUR,
  userField: 'userId',
  ...changes,
});

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
function equal(actual: unknown, expected: unknown, message: string): void {
  const [a, b] = [JSON.stringify(actual), JSON.stringify(expected)];
  assert(a === b, `${message}\n  expected ${b}\n  received ${a}`);
}
async function rejects(promise: Promise<unknown>, pattern: RegExp, message: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert(
    error instanceof Error && pattern.test(error.message),
    `${message}: expected a rejection matching ${pattern}, got ${String(error)}`,
  );
}
function throws(run: () => unknown, pattern: RegExp, message: string): void {
  try {
    run();
  } catch (error) {
    assert(
      error instanceof TypeError && pattern.test(error.message),
      `${message}: wrong error ${String(error)}`,
    );
    return;
  }
  throw new Error(`${message}: did not throw`);
}

/** Every raw key under `prefix`. */
async function keysUnder(prefix: DenoKvKey): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  for await (const entry of kv.list({ prefix })) keys.push(entry.key);
  return keys;
}

interface SpyOptions {
  /** Runs before a commit (once per commit); may write to the real KV to race the store. */
  beforeCommit?: (commit: number) => Promise<void>;
  /** Makes commits report failure as if a check failed. */
  failCommits?: number;
  /** Runs after `list` has read its entries, before they are handed out. */
  afterList?: () => Promise<void>;
}

/** The real KV, recording atomic sets and commits, optionally racing or failing them. */
function spy(options: SpyOptions = {}) {
  const sets: { key: DenoKvKey; value: unknown; expireIn: number | undefined }[] = [];
  let commits = 0;
  let failures = options.failCommits ?? 0;
  const wrapped: DenoKvLike = {
    get: (k, o) => kv.get(k, o),
    async *list(selector, o) {
      const entries = [];
      for await (const entry of kv.list<never>(selector, o)) entries.push(entry);
      await options.afterList?.();
      yield* entries;
    },
    atomic() {
      const op = kv.atomic();
      const atomic: DenoKvAtomicLike = {
        check: (...checks) => (op.check(...checks), atomic),
        set: (k, value, o) => (
          sets.push({ key: k, value, expireIn: o?.expireIn }), op.set(k, value, o), atomic
        ),
        delete: (k) => (op.delete(k), atomic),
        async commit() {
          const count = ++commits;
          await options.beforeCommit?.(count);
          if (failures > 0) {
            failures--;
            return { ok: false };
          }
          return op.commit();
        },
      };
      return atomic;
    },
  };
  return { kv: wrapped, sets, commits: () => commits };
}

// --- the shared conformance suite ------------------------------------------

{
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(() => new DenoKVStore(kv, { prefix: prefix(), now }), {
    now,
    advance: (ms) => void (time += ms),
    // Deno KV values are at most 64 KiB serialized; the record must fit in one.
    largeRecordBytes: 60_000,
  });
  for (const check of checks) Deno.test(`conformance: ${check.name}`, check.run);
}

// --- expiry ------------------------------------------------------------------

Deno.test('expireIn follows the session expiry, for the session and its index entry', async () => {
  const t = Date.UTC(2030, 0, 1);
  const s = spy();
  const store = new DenoKVStore(s.kv, { prefix: prefix(), now: () => t });
  const k = key('expire');
  await store.set(k, record(t, { userId: 'ada' }, 'ada'), t + 90_000);
  equal(
    s.sets.map((set) => set.expireIn),
    [90_000, 90_000],
    'expireIn of session and index entry',
  );
  await store.touch(k, record(t), t + 1_800_000);
  equal(
    s.sets.slice(2).map((set) => set.expireIn),
    [1_800_000, 1_800_000],
    'expireIn after touch',
  );
  await store.update(k, patch(t + 1000, { set: { a: 1 } }));
  equal(
    s.sets.slice(4).map((set) => set.expireIn),
    [HOUR + 1000, HOUR + 1000],
    'expireIn after update: lastSeenAt + idle',
  );
  await store.set(k, record(t), t - 5000);
  equal(s.sets[6]!.expireIn, 1, 'an already expired record gets the shortest expireIn');
  equal(await store.get(k), null, 'and is not read back');
});

Deno.test('an entry Deno KV still returns after its expiry is ignored by every read', async () => {
  let time = Date.now();
  const p = prefix();
  const store = new DenoKVStore(kv, { prefix: p, now: () => time });
  const k = key('stale');
  await store.set(k, record(time, { v: 1 }, 'grace'), time + 1000);
  time += 1000;
  assert(
    (await kv.get([...p, 'session', k])).value !== null,
    'the raw entry is still there (expireIn is real time)',
  );
  equal(await store.get(k), null, 'get');
  equal(await store.listByUser('grace'), [], 'listByUser');
  equal(await store.update(k, patch(time, { set: { v: 2 } })), false, 'update');
  await store.touch(k, record(time), time + HOUR);
  equal(await store.get(k), null, 'touch does not revive it');
});

// --- atomic update -----------------------------------------------------------

Deno.test('a write that races the update between read and commit fails the versionstamp check; the retry keeps both', async () => {
  const t = Date.now();
  const p = prefix();
  const k = key('race');
  const s = spy({
    beforeCommit: async (commit) => {
      if (commit === 2)
        await new DenoKVStore(kv, { prefix: p }).update(
          k,
          patch(t, { increment: { n: 10 }, set: { other: true } }),
        );
    },
  });
  const store = new DenoKVStore(s.kv, { prefix: p });
  await store.set(k, record(t, { n: 1 }), t + HOUR); // commit 1
  assert(await store.update(k, patch(t, { increment: { n: 1 } })), 'update succeeds'); // commit 2 loses, commit 3 wins
  equal(s.commits(), 3, 'commits');
  equal((await store.get(k))!.data, { n: 12, other: true }, 'both writes survive');
});

Deno.test('retries are bounded: a check that keeps failing ends in a clear error, nothing written', async () => {
  const t = Date.now();
  const s = spy({ failCommits: 1 });
  const p = prefix();
  const store = new DenoKVStore(s.kv, { prefix: p, attempts: 3 });
  const k = key('bounded');
  await store.set(k, record(t, { n: 1 }), t + HOUR); // first commit fails, retried
  equal(s.commits(), 2, 'one failed commit retried');
  const always = spy({ failCommits: Number.POSITIVE_INFINITY });
  const stuck = new DenoKVStore(always.kv, { prefix: p, attempts: 3 });
  await rejects(
    stuck.update(k, patch(t, { increment: { n: 1 } })),
    /DenoKVStore: write gave up after 3 attempts/,
    'update',
  );
  equal(always.commits(), 3, 'attempts');
  equal((await store.get(k))!.data, { n: 1 }, 'record unchanged');
});

Deno.test('100 concurrent increments through update are exact', async () => {
  const t = Date.now();
  const store = new DenoKVStore(kv, { prefix: prefix() });
  const k = key('counter');
  await store.set(k, record(t), t + HOUR);
  const results = await Promise.all(
    Array.from({ length: 100 }, () => store.update(k, patch(t, { increment: { n: 1 } }))),
  );
  assert(results.every(Boolean), 'every update succeeded');
  equal((await store.get(k))!.data.n, 100, 'counter');
});

Deno.test('100 concurrent increments from 10 store instances (10 isolates) are exact: versionstamp checks and retries', async () => {
  const t = Date.now();
  const p = prefix();
  const spies = Array.from({ length: 10 }, () => spy());
  const stores = spies.map((s) => new DenoKVStore(s.kv, { prefix: p }));
  const k = key('isolates');
  await stores[0]!.set(k, record(t), t + HOUR);
  const results = await Promise.all(
    stores.flatMap((store) =>
      Array.from({ length: 10 }, () => store.update(k, patch(t, { increment: { n: 1 } }))),
    ),
  );
  assert(results.every(Boolean), 'every update succeeded');
  equal((await stores[0]!.get(k))!.data.n, 100, 'counter');
  const commits = spies.reduce((sum, s) => sum + s.commits(), 0);
  assert(commits > 101, `instances conflicted and retried (${commits} commits for 101 writes)`);
});

Deno.test('writes to one session through one instance queue instead of conflicting', async () => {
  const t = Date.now();
  const s = spy();
  const store = new DenoKVStore(s.kv, { prefix: prefix() });
  const k = key('queued');
  await store.set(k, record(t), t + HOUR);
  await Promise.all(Array.from({ length: 20 }, () => store.update(k, patch(t, { increment: { n: 1 } }))));
  equal(s.commits(), 21, 'one commit per write');
  equal((await store.get(k))!.data.n, 20, 'counter');
  // A failed write does not block the ones queued behind it.
  const failing = spy({ failCommits: 3 });
  const strict = new DenoKVStore(failing.kv, { prefix: prefix(), attempts: 3 });
  await strict.set(k, record(t), t + HOUR).then(
    () => Promise.reject(new Error('should fail')),
    () => undefined,
  );
  await strict.set(k, record(t, { ok: true }), t + HOUR);
  equal((await strict.get(k))!.data, { ok: true }, 'write after a failed one');
});

Deno.test('update refuses missing and deleted sessions and never recreates them', async () => {
  const t = Date.now();
  const p = prefix();
  const store = new DenoKVStore(kv, { prefix: p });
  const k = key('gone');
  equal(await store.update(k, patch(t, { set: { a: 1 } })), false, 'missing');
  await store.set(k, record(t, {}, 'u'), t + HOUR);
  await store.delete(k);
  equal(await store.update(k, patch(t, { set: { a: 1 } })), false, 'deleted');
  equal(await keysUnder(p), [], 'no key left behind');
});

// --- user index --------------------------------------------------------------

Deno.test('index keys hold a hash of the user id, bounded in size, and follow the user through updates', async () => {
  const t = Date.now();
  const p = prefix();
  const store = new DenoKVStore(kv, { prefix: p });
  const k = key('index');
  const long = `ada@example.com-${'x'.repeat(4000)}`; // longer than a Deno KV key may be
  await store.set(k, record(t, { userId: long }, long), t + HOUR);
  const keys = await keysUnder(p);
  assert(
    keys.every((part) => !JSON.stringify(part).includes('ada@')),
    'no raw user id in keys',
  );
  equal(await store.listByUser(long), [k], 'listByUser');
  await store.update(k, patch(t, { set: { userId: 'grace' } }));
  equal(await store.listByUser(long), [], 'previous user after the user field changed');
  equal(await store.listByUser('grace'), [k], 'new user');
  await store.update(k, patch(t, { unset: ['userId'] }));
  equal(await store.listByUser('grace'), [], 'no user');
  equal((await keysUnder(p)).length, 1, 'only the session entry is left');
});

Deno.test('deleteByUser finds sessions touched and updated past their first expiry', async () => {
  let time = Date.now();
  const store = new DenoKVStore(kv, { prefix: prefix(), now: () => time });
  const [a, b] = [key('kept'), key('kept')];
  await store.set(a, { ...record(time, { userId: 'lin' }, 'lin'), expiresAt: time + 1000 }, time + 1000);
  await store.set(b, { ...record(time, { userId: 'lin' }, 'lin'), expiresAt: time + 1000 }, time + 1000);
  await store.touch(a, { ...record(time), lastSeenAt: time + 900 }, time + HOUR);
  await store.update(b, patch(time + 900, { set: { x: 1 } }));
  time += 5000;
  equal((await store.listByUser('lin')).sort(), [a, b].sort(), 'listByUser');
  equal(await store.deleteByUser('lin'), 2, 'deleteByUser count');
  equal([await store.get(a), await store.get(b)], [null, null], 'both revoked');
});

Deno.test('deleteByUser leaves a session that moved to another user after it was listed', async () => {
  const t = Date.now();
  const p = prefix();
  const [stays, moves] = [key('stays'), key('moves')];
  const plain = new DenoKVStore(kv, { prefix: p });
  await plain.set(stays, record(t, { userId: 'max' }, 'max'), t + HOUR);
  await plain.set(moves, record(t, { userId: 'max' }, 'max'), t + HOUR);
  const s = spy({
    afterList: () => plain.update(moves, patch(t, { set: { userId: 'eve' } })).then(() => undefined),
  });
  const store = new DenoKVStore(s.kv, { prefix: p });
  equal(await store.deleteByUser('max'), 1, 'deleteByUser count');
  equal(await store.get(stays), null, "max's session revoked");
  equal((await store.get(moves))?.userId, 'eve', "eve's session kept");
  equal(await store.listByUser('eve'), [moves], "eve's index");
});

// --- limits and options ------------------------------------------------------

Deno.test('a record too large for one Deno KV value is refused, the old one kept', async () => {
  const t = Date.now();
  const store = new DenoKVStore(kv, { prefix: prefix() });
  const k = key('large');
  await store.set(k, record(t, { v: 1 }), t + HOUR);
  await rejects(
    store.set(k, record(t, { blob: 'x'.repeat(70_000) }), t + HOUR),
    /too large|65536|64/i,
    'oversized set',
  );
  equal((await store.get(k))?.data, { v: 1 }, 'record after the refused write');
});

Deno.test('options are validated at construction', () => {
  throws(() => new DenoKVStore({} as DenoKvLike), /Deno\.Kv/, 'not a KV');
  throws(() => new DenoKVStore(kv, { prefix: ['x'.repeat(1000)] }), /option prefix/, 'prefix too long');
  throws(
    () => new DenoKVStore(kv, { prefix: [Symbol('s')] as unknown as DenoKvKey }),
    /option prefix/,
    'symbol part',
  );
  throws(() => new DenoKVStore(kv, { prefix: 42 as unknown as string }), /option prefix/, 'not a key');
  throws(() => new DenoKVStore(kv, { attempts: 0 }), /option attempts/, 'attempts');
  new DenoKVStore(kv, { prefix: 'app-sessions' });
  new DenoKVStore(kv, { prefix: ['app', 1, 2n, true, new Uint8Array([0, 1])] });
});

// --- behind the session engine ---------------------------------------------

Deno.test('behind the session engine: login, concurrent increments, logout', async () => {
  await engineRoundTrip(new DenoKVStore(kv, { prefix: prefix() }));
});

Deno.test('behind the session engine: values returned by get are copies', async () => {
  const sessions = createSessionManager<{ profile?: { tags: string[] }; n?: number }>({
    secrets: 'deno-test-secret-0123456789-abcdefghij',
    store: new DenoKVStore(kv, { prefix: prefix() }),
  });
  const first = sessions.load(new Request('https://app.example/'));
  first.set('profile', { tags: ['a'] });
  const cookie = (await sessions.commit(first, new Response())).headers.getSetCookie()[0]!.split(';')[0]!;
  const request = () => new Request('https://app.example/', { headers: { cookie } });
  const second = sessions.load(request());
  (await second.get('profile'))!.tags.push('mutated');
  second.increment('n');
  await sessions.commit(second, new Response());
  equal(await sessions.load(request()).get('profile'), { tags: ['a'] }, 'profile after mutating a read copy');
});

Deno.test('your devices: list, revoke one, cap, sign out everywhere else, hooks', async () => {
  await devicesScenario(new DenoKVStore(kv, { prefix: prefix() }));
});
