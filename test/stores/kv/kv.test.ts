import { describe, expect, it } from 'vitest';
import { createKeyring, createSessionManager, sign, type SessionRecord } from '../../../src/index.ts';
import { KV_MAX_DELETIONS_PER_CALL, KVStore, type KVNamespaceLike } from '../../../src/stores/kv/index.ts';
import { CookieJar, SECRET } from '../../session/helpers.ts';

interface Put {
  key: string;
  value: string;
  options: { expirationTtl?: number } | undefined;
}

/** An in-memory stand-in for a KV binding that can misbehave like the real one. */
class FakeKV implements KVNamespaceLike {
  readonly data = new Map<string, string>();
  readonly puts: Put[] = [];
  readonly gets: { key: string; cacheTtl?: number }[] = [];
  failPuts = 0;
  failure = new Error('KV PUT failed: 429 Too Many Requests');
  /** Serve reads from this snapshot (stale edge cache) when set. */
  stale: Map<string, string> | undefined;
  /** Answer every read with null (a cached miss). */
  miss = false;

  async get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null> {
    this.operations++;
    this.gets.push({ key, ...(options.cacheTtl === undefined ? {} : { cacheTtl: options.cacheTtl }) });
    if (this.miss) return null;
    return (this.stale ?? this.data).get(key) ?? null;
  }

  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    this.operations++;
    this.puts.push({ key, value, options });
    this.rateLimit(key);
    if (this.failPuts > 0) {
      this.failPuts--;
      throw this.failure;
    }
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.operations++;
    this.data.delete(key);
  }

  /** Operations of every kind, as a Worker invocation counts them. */
  operations = 0;
  /** Refuse a second write to one key within a second, as KV does (429). */
  enforceWriteRate = false;
  readonly #lastPut = new Map<string, number>();
  /** What list() shows: a stale snapshot of the key set, when set. */
  listSnapshot: Set<string> | undefined;

  async list(options: { prefix: string; cursor?: string | null; limit?: number }) {
    this.operations++;
    const names = [...(this.listSnapshot ?? this.data.keys())]
      .filter((k) => k.startsWith(options.prefix))
      .sort();
    const start = options.cursor ? Number(options.cursor) : 0;
    const end = Math.min(names.length, start + (options.limit ?? 1000));
    const keys = names.slice(start, end).map((name) => ({ name }));
    return end < names.length
      ? { keys, list_complete: false, cursor: String(end) }
      : { keys, list_complete: true };
  }

  /** Checks the one-write-per-key-per-second limit (call from put). */
  protected rateLimit(key: string): void {
    if (!this.enforceWriteRate) return;
    const now = Date.now();
    const last = this.#lastPut.get(key);
    if (last !== undefined && now - last < 1000) throw new Error('KV PUT failed: 429 Too Many Requests');
    this.#lastPut.set(key, now);
  }
}

const NOW = Date.UTC(2030, 0, 1);
const record = (expiresAt: number, userId?: string): SessionRecord => ({
  data: { a: 1 },
  flash: {},
  createdAt: NOW,
  lastSeenAt: NOW,
  expiresAt,
  ...(userId ? { userId } : {}),
});
const KEY = 'A'.repeat(43);

describe('KVStore', () => {
  it("keeps a record in KV until the session's absolute deadline (a touch never extends it), never below 60 s", async () => {
    const kv = new FakeKV();
    let time = NOW;
    const store = new KVStore(kv, { now: () => time, backoff: 1 });
    const [own, learned, fresh, expired] = ['A', 'B', 'C', 'D'].map((c) => c.repeat(43)) as [
      string,
      string,
      string,
      string,
    ];
    // Its own absolute timeout (persist) …
    await store.set(own, { ...record(NOW + 10_000), absoluteMs: 7_200_000 }, NOW + 10_000);
    // … else the manager's, as the engine's patches carry it (until then: 400 days) …
    await store.set(learned, record(NOW + 10_000), NOW + 10_000);
    time += 1000; // KV: one write per key per second
    const patch = { now: time, idleMs: 10_000, absoluteMs: 3_600_000, userField: 'userId', set: { b: 2 } };
    await store.update(learned, patch);
    await store.set(fresh, { ...record(time + 10_000), createdAt: time }, time + 10_000);
    // … and never below KV's minimum.
    await store.set(expired, { ...record(NOW - 5_000), createdAt: NOW - 3_600_000 }, NOW - 5_000);
    expect(kv.puts.map((p) => [p.key.slice('session:'.length, 'session:'.length + 1), p.options])).toEqual([
      ['A', { expirationTtl: 7200 }],
      ['B', { expirationTtl: 400 * 86_400 }],
      ['B', { expirationTtl: 3599 }],
      ['C', { expirationTtl: 3600 }],
      ['D', { expirationTtl: 60 }],
    ]);
  });

  it('retries a 429 with bounded backoff, then surfaces it', async () => {
    const kv = new FakeKV();
    const store = new KVStore(kv, { now: () => NOW, attempts: 3, backoff: 1 });
    kv.failPuts = 2;
    await store.set(KEY, record(NOW + 60_000), NOW + 60_000);
    expect(kv.puts).toHaveLength(3);
    kv.failPuts = 3;
    await expect(store.set(KEY, record(NOW + 60_000), NOW + 60_000)).rejects.toThrow(/429/);
    expect(kv.puts).toHaveLength(6);
    kv.failPuts = 1;
    kv.failure = new Error('KV PUT failed: 500 Internal Server Error');
    await expect(store.set(KEY, record(NOW + 60_000), NOW + 60_000)).rejects.toThrow(/500/);
    expect(kv.puts).toHaveLength(7);
  });

  it('spaces touches of one key at least a second apart', async () => {
    const kv = new FakeKV();
    let time = NOW;
    const store = new KVStore(kv, { now: () => time });
    await store.set(KEY, record(NOW + 60_000), NOW + 60_000);
    time += 500;
    await store.touch(KEY, record(NOW + 60_500), NOW + 60_500);
    expect(kv.puts).toHaveLength(1);
    time += 600;
    await store.touch(KEY, record(NOW + 61_100), NOW + 61_100);
    expect(kv.puts).toHaveLength(2);
    // A store built per request over the same binding remembers it too.
    await new KVStore(kv, { now: () => time }).touch(KEY, record(NOW + 61_200), NOW + 61_200);
    expect(kv.puts).toHaveLength(2);
  });

  it('passes cacheTtl to reads and validates its options', async () => {
    const kv = new FakeKV();
    await new KVStore(kv, { cacheTtl: 120 }).get(KEY);
    // The record and its last-seen key may come from the edge cache; the end marker never does.
    expect(kv.gets).toEqual([
      { key: `session:${KEY}`, cacheTtl: 120 },
      { key: `session:seen:${KEY}`, cacheTtl: 120 },
      { key: `session:ended:${KEY}` },
    ]);
    expect(() => new KVStore(kv, { cacheTtl: 30 })).toThrow(/option cacheTtl/);
    expect(() => new KVStore(kv, { prefix: 'p'.repeat(500) })).toThrow(/option prefix/);
    expect(() => new KVStore({} as KVNamespaceLike)).toThrow(/KV namespace/);
  });

  it('indexes users under a hashed key and revokes them', async () => {
    const kv = new FakeKV();
    const store = new KVStore(kv, { now: () => NOW });
    await store.set(KEY, record(NOW + 60_000, 'ada@example.com'), NOW + 60_000);
    expect([...kv.data.keys()].some((k) => k.includes('ada'))).toBe(false);
    expect(await store.listByUser('ada@example.com')).toEqual([KEY]);
    expect(await store.deleteByUser('ada@example.com')).toBe(1);
    // What is left is the user's revocation time, under the hashed user id.
    expect([...kv.data.keys()]).toEqual([expect.stringMatching(/^session:revoked:[A-Za-z0-9_-]{43}$/)]);
  });

  it('revoke-all does not depend on list(): a session list() does not show yet is revoked too', async () => {
    const kv = new FakeKV();
    let time = NOW;
    const store = new KVStore(kv, { now: () => time });
    await store.set('K1'.padEnd(43, 'x'), record(NOW + 3_600_000, 'ada'), NOW + 3_600_000);
    kv.listSnapshot = new Set(kv.data.keys()); // list() lags behind
    const fresh = 'K2'.padEnd(43, 'x');
    await store.set(fresh, { ...record(NOW + 3_600_000, 'ada'), createdAt: NOW + 5 }, NOW + 3_600_000);
    time += 10;
    await store.deleteByUser('ada');
    expect(await store.get(fresh)).toBeNull();
    expect(await store.listByUser('ada')).toEqual([]);
    // A login after the revocation is not affected.
    time += 10;
    const later = 'K3'.padEnd(43, 'x');
    await store.set(
      later,
      { ...record(NOW + 3_600_000, 'ada'), createdAt: time, authenticatedAt: time },
      NOW + 3_600_000,
    );
    expect(await store.get(later)).not.toBeNull();
  });

  it("revoke-all of 400 sessions stays within a Worker invocation's 1 000 KV operations and revokes all 400", async () => {
    const kv = new FakeKV();
    let time = NOW;
    const store = new KVStore(kv, { now: () => time });
    const keys = Array.from({ length: 400 }, (_, i) => `S${i}`.padEnd(43, 'x'));
    for (const key of keys) await store.set(key, record(NOW + 3_600_000, 'bob'), NOW + 3_600_000);
    time += 1;
    kv.operations = 0;
    expect(await store.deleteByUser('bob')).toBe(400);
    expect(KV_MAX_DELETIONS_PER_CALL).toBeLessThan(400);
    expect(kv.operations).toBeLessThan(1000);
    for (const key of keys) expect(await store.get(key)).toBeNull();
  });

  it('a request in flight when the session is logged out does not write it back', async () => {
    const kv = new FakeKV();
    const manager = createSessionManager<{ user?: string; n?: number }>({
      secrets: SECRET,
      store: new KVStore(kv),
    });
    const browser = new CookieJar();
    const login = manager.load(browser.request());
    login.set('user', 'ada');
    browser.absorb(await manager.commit(login, new Response()));
    const inFlight = manager.load(browser.request());
    expect(await inFlight.get('user')).toBe('ada');
    const logout = manager.load(browser.request());
    void logout.destroy();
    await manager.commit(logout, new Response());
    inFlight.set('n', 1);
    await manager.commit(inFlight, new Response());
    // Only the index entry and the end marker of the logout are left: no record.
    expect([...kv.data.keys()].filter((key) => !key.includes(':user:') && !key.includes(':ended:'))).toEqual(
      [],
    );
    expect(await manager.load(browser.request()).get('user')).toBeUndefined();
  });

  it("20 concurrent writes to one session under KV's one write per key per second: every one lands, in a few writes", async () => {
    const kv = new FakeKV();
    kv.enforceWriteRate = true;
    // A store per request over one binding, as Workers apps build them.
    const manager = createSessionManager<{ user?: string; cart?: string[] }>({
      secrets: SECRET,
      store: () => new KVStore(kv),
    });
    const browser = new CookieJar();
    const login = manager.load(browser.request());
    login.set('user', 'ada');
    browser.absorb(await manager.commit(login, new Response()));
    const sessionKey = kv.puts[0]!.key;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, async (_, i) => {
        const session = manager.load(browser.request());
        session.push('cart', `item-${i}`);
        return manager.commit(session, new Response());
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const cart = (await manager.load(browser.request()).get('cart')) ?? [];
    expect([...cart].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `item-${i}`).sort());
    expect(kv.puts.filter((put) => put.key === sessionKey).length).toBeLessThanOrEqual(3);
  }, 10_000);

  describe('behind the session engine', () => {
    const setup = (kv: FakeKV) => {
      const manager = createSessionManager<{ user?: string }>({ secrets: SECRET, store: new KVStore(kv) });
      const app = manager.handle(async (request, _env, _ctx, session) => {
        if (new URL(request.url).pathname === '/login') session.set('user', 'ada');
        return Response.json({ user: (await session.get('user')) ?? null, id: session.id });
      });
      return (jar: CookieJar, path = '/') =>
        app(jar.request(path), undefined, undefined).then((r) => (jar.absorb(r), r));
    };

    it('honours expiry even when KV still returns the record', async () => {
      const kv = new FakeKV();
      const send = setup(kv);
      const browser = new CookieJar();
      await send(browser, '/login');
      for (const [key, value] of kv.data) {
        const stored = JSON.parse(value) as SessionRecord;
        kv.data.set(
          key,
          JSON.stringify({
            ...stored,
            lastSeenAt: stored.lastSeenAt - 7_200_000,
            createdAt: stored.createdAt - 7_200_000,
          }),
        );
      }
      expect(await (await send(browser)).json()).toMatchObject({ user: null });
    });

    it('a cached miss or a stale value is neither a 500 nor an adopted id', async () => {
      const kv = new FakeKV();
      const send = setup(kv);
      const browser = new CookieJar();
      await send(browser, '/login');
      const staleSnapshot = new Map(kv.data);
      kv.miss = true;
      const sent = decodeURIComponent(browser.cookies.get('__Host-sid')!).split('.')[0];
      const response = await send(browser, '/login');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { id: string };
      expect(body.id).not.toBe(sent);
      kv.miss = false;
      kv.stale = staleSnapshot;
      expect((await send(browser)).status).toBe(200);
    });

    it('a planted, validly signed id is not adopted even if KV is slow to see it', async () => {
      const kv = new FakeKV();
      kv.miss = true;
      const send = setup(kv);
      const browser = new CookieJar();
      browser.cookies.set('__Host-sid', await sign(createKeyring(SECRET), '__Host-sid', 'P'.repeat(43)));
      const body = (await (await send(browser, '/login')).json()) as { id: string };
      expect(body.id).not.toBe('P'.repeat(43));
    });
  });
});
