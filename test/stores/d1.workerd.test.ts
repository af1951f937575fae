import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, type SessionPatch, type SessionRecord } from '../../src/store/index.ts';
import { parseJson } from '../../src/util/parse-json.ts';
import { D1Store, type D1DatabaseLike, type D1PreparedStatementLike } from '../../src/stores/d1/index.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { CookieJar, idOf } from '../session/helpers.ts';
import { fetchWorker, logoutIsImmediate, read as readWith, send } from '../workers/client.ts';

// The binding types from workers-types fit the structural type users and fakes implement
// (checked by `npm run typecheck`): the database, and a read-replication session.
export const fitsDatabase = (db: D1Database): D1DatabaseLike => db;
export const fitsSession = (db: D1Database): D1DatabaseLike => db.withSession('first-primary');

const HOUR = 3_600_000;
const read = (jar: CookieJar) => readWith(jar, 'd1');

let counter = 0;
const freshKey = () => `d1-${counter++}-`.padEnd(43, 'x');

const record = (now: number, data: Record<string, unknown> = {}, expiresAt = now + HOUR): SessionRecord => ({
  data,
  flash: {},
  createdAt: now,
  lastSeenAt: now,
  expiresAt,
});

/** A store on its own clock. */
function clocked(start = Date.now()) {
  const clock = { time: start, now: () => clock.time };
  return { clock, store: new D1Store(env.DB, { now: clock.now }) };
}

async function rawRow(key: string, table = 'tessera_sessions') {
  return env.DB.prepare(`SELECT id, user_id, data, expires_at FROM "${table}" WHERE id = ?`).bind(key).first<{
    id: string;
    user_id: string | null;
    data: string;
    expires_at: number;
  }>();
}

describe('D1Store conformance', () => {
  let time = Date.now();
  const now = () => time;
  for (const check of storeConformance(() => new D1Store(env.DB, { now }), {
    now,
    advance: (ms) => void (time += ms),
    largeRecordBytes: 100_000,
  })) {
    it(check.name, check.run);
  }
  // A small limit, so the suite's over-the-limit write is quick to make.
  for (const check of storeConformance(() => new D1Store(env.DB, { now, maxRecordBytes: 4096 }), {
    now,
    maxRecordBytes: 4096,
  }).filter((check) => check.name.includes('maxRecordBytes'))) {
    it(check.name, check.run);
  }
});

describe('D1Store', () => {
  describe('update applies patches exactly as applyPatch does', () => {
    // Keys a JSON path must quote or escape, and values SQLite could re-render.
    const plainKeys = [
      'a',
      'n',
      'a.b',
      'a\\b',
      '"',
      '',
      '$',
      '$.x',
      '[0]',
      'ü',
      'line\nbreak',
      '🍪',
      'k\\"',
      '\\u0022',
      "it's",
    ];
    // The user fields; they are never incremented here (see the comment in src/stores/d1/sql.ts on numeric user ids).
    const userFields = ['userId', 'a"b'];
    const key = fc.constantFrom(...plainKeys, ...userFields);
    const number = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0.1, 0.2, 1e21, 2 ** 53, 2 ** 63, -0, 1.7976931348623157e308, 5e-324, 123456789.123),
    );
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), number);
    const data = fc.dictionary(key, value, { maxKeys: 6 });
    const patchArb = fc.record(
      {
        set: fc.dictionary(key, value, { maxKeys: 4 }),
        unset: fc.array(key, { maxLength: 3 }),
        increment: fc.dictionary(fc.constantFrom(...plainKeys), number, { maxKeys: 4 }),
        pull: fc.dictionary(key, fc.array(value, { maxLength: 2 }), { maxKeys: 2 }),
        push: fc.dictionary(key, fc.array(value, { minLength: 1, maxLength: 3 }), { maxKeys: 2 }),
        flash: fc.dictionary(key, value, { maxKeys: 2 }),
        consumed: fc.dictionary(key, value, { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    );
    const userField = fc.constantFrom(...userFields);

    it('on random records and patches (same JSON, same key order, same user index)', async () => {
      const { store } = clocked();
      await fc.assert(
        fc.asyncProperty(
          data,
          data,
          patchArb,
          userField,
          fc.integer({ min: 0, max: 30 * 60_000 }),
          async (stored, flash, changes, field, elapsed) => {
            const k = freshKey();
            const start = Date.now();
            const before: SessionRecord = { ...record(start, stored), flash };
            await store.set(k, before, before.expiresAt);
            const patch: SessionPatch = {
              ...changes,
              now: start + elapsed,
              idleMs: HOUR,
              absoluteMs: 24 * HOUR,
              userField: field,
            };
            // parseJson, not JSON.parse: workerd's JSON.parse can misname escaped keys (see parse-json.ts).
            const expected = parseJson(JSON.stringify(applyPatch(before, patch))) as SessionRecord;
            expect(await store.update(k, patch)).toBe(true);
            const after = await store.get(k);
            expect(JSON.stringify(after)).toBe(JSON.stringify(expected));
            expect((await rawRow(k))!.user_id).toBe(expected.userId ?? null);
            expect((await rawRow(k))!.expires_at).toBe(expected.expiresAt);
          },
        ),
        { numRuns: 150 },
      );
    }, 60_000);

    it('an increment adds to whatever number is stored, and treats anything else as 0', async () => {
      const { store } = clocked();
      const k = freshKey();
      const t = Date.now();
      await store.set(k, record(t, { i: 41, f: 0.1, s: '5', big: 2 ** 53, nul: null }), t + HOUR);
      const patch: SessionPatch = {
        increment: { i: 1, f: 0.2, s: 1, big: 2, nul: 1, fresh: -3 },
        now: t,
        idleMs: HOUR,
        absoluteMs: HOUR,
        userField: 'userId',
      };
      expect(await store.update(k, patch)).toBe(true);
      expect((await store.get(k))!.data).toEqual({
        i: 42,
        f: 0.1 + 0.2,
        s: 1,
        big: 2 ** 53 + 2,
        nul: 1,
        fresh: -3,
      });
    });

    it('a numeric user id stays exact through an increment, and the index follows it', async () => {
      const { store } = clocked();
      const k = freshKey();
      const t = Date.now();
      const user = 900_000_000 + counter;
      await store.set(k, { ...record(t, { userId: user }), userId: String(user) }, t + HOUR);
      const patch: SessionPatch = {
        increment: { userId: 1 },
        now: t,
        idleMs: HOUR,
        absoluteMs: HOUR,
        userField: 'userId',
      };
      expect(await store.update(k, patch)).toBe(true);
      expect((await store.get(k))!.userId).toBe(String(user + 1));
      expect(await store.listByUser(String(user + 1))).toEqual([k]);
      expect(await store.listByUser(String(user))).toEqual([]);
    });
  });

  it('100 concurrent increments through update count exactly 100', async () => {
    const { store } = clocked();
    const k = freshKey();
    const t = Date.now();
    await store.set(k, record(t), t + HOUR);
    const patch: SessionPatch = {
      increment: { n: 1 },
      now: t,
      idleMs: HOUR,
      absoluteMs: 24 * HOUR,
      userField: 'userId',
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => store.update(k, patch)));
    expect(results.every(Boolean)).toBe(true);
    expect((await store.get(k))!.data.n).toBe(100);
  });

  describe('update paths', () => {
    /** env.DB, recording every statement prepared; `lose` makes compare-and-swap writes find the row changed. */
    function spied(options: { lose?: boolean } = {}) {
      const statements: string[] = [];
      const db: D1DatabaseLike = {
        prepare(sql) {
          statements.push(sql);
          if (options.lose && sql.includes('AND data = ?2')) {
            const lost: D1PreparedStatementLike = {
              bind: () => lost,
              run: async () => ({ meta: { changes: 0 } }),
              first: async () => null,
              all: async () => ({ results: [] }),
            };
            return lost;
          }
          return env.DB.prepare(sql);
        },
        batch: (list) => env.DB.batch(list as D1PreparedStatement[]),
      };
      return { statements, store: new D1Store(db) };
    }
    const patch = (changes: Partial<SessionPatch>): SessionPatch => ({
      now: Date.now(),
      idleMs: HOUR,
      absoluteMs: 24 * HOUR,
      userField: 'userId',
      ...changes,
    });

    it('an integer patch is one statement', async () => {
      const { statements, store } = spied();
      const k = freshKey();
      await store.set(k, record(Date.now(), { n: 1 }), Date.now() + HOUR);
      statements.length = 0;
      expect(await store.update(k, patch({ increment: { n: 2 }, set: { a: 'b' }, flash: { f: 1 } }))).toBe(
        true,
      );
      expect(statements).toHaveLength(1);
      expect((await store.get(k))!.data).toEqual({ n: 3, a: 'b' });
    });

    it('fractional increments take the compare-and-swap path and stay exact under concurrency', async () => {
      const { statements, store } = spied();
      const k = freshKey();
      await store.set(k, record(Date.now(), { x: 0.1, y: 1e-300 }), Date.now() + HOUR);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.update(k, patch({ increment: { x: 0.2 } }))),
      );
      expect(results.every(Boolean)).toBe(true);
      let expected = 0.1;
      for (let i = 0; i < 10; i++) expected += 0.2;
      expect((await store.get(k))!.data).toEqual({ x: expected, y: 1e-300 });
      expect(statements.some((sql) => sql.includes('AND data = ?2'))).toBe(true);
      // A stored fraction met by an integer increment also falls back: SQLite would round differently.
      expect(await store.update(k, patch({ increment: { y: 1 } }))).toBe(true);
      expect((await store.get(k))!.data.y).toBe(1e-300 + 1);
    });

    it('compare-and-swap gives up with a clear error after bounded retries', async () => {
      const { statements, store } = spied({ lose: true });
      const k = freshKey();
      await store.set(k, record(Date.now(), { x: 0.5 }), Date.now() + HOUR);
      statements.length = 0;
      await expect(store.update(k, patch({ increment: { x: 0.25 } }))).rejects.toThrow(
        /D1Store: update gave up after 10 attempts/,
      );
      expect(statements.filter((sql) => sql.includes('AND data = ?2'))).toHaveLength(10);
    });
  });

  it('update refuses a missing, expired or revoked record and writes nothing', async () => {
    const { clock, store } = clocked();
    const patch = (): SessionPatch => ({
      set: { late: true },
      now: clock.time,
      idleMs: HOUR,
      absoluteMs: 24 * HOUR,
      userField: 'userId',
    });
    expect(await store.update(freshKey(), patch())).toBe(false);

    // Row expired (store clock past expires_at) though the record's own timestamps are fine.
    const rowExpired = freshKey();
    await store.set(rowExpired, record(clock.time), clock.time + 1000);
    clock.time += 1000;
    expect(await store.update(rowExpired, patch())).toBe(false);
    expect(JSON.parse((await rawRow(rowExpired))!.data).data).toEqual({});

    // Idle timeout passed by the patch's clock.
    const idle = freshKey();
    const old = record(clock.time - 2 * HOUR, { keep: 1 }, clock.time + HOUR);
    await store.set(idle, old, clock.time + HOUR);
    expect(await store.update(idle, patch())).toBe(false);
    expect(JSON.parse((await rawRow(idle))!.data)).toEqual(old);

    // Deleted (logged out elsewhere): not resurrected.
    const revoked = freshKey();
    await store.set(revoked, record(clock.time), clock.time + HOUR);
    await store.delete(revoked);
    expect(await store.update(revoked, patch())).toBe(false);
    expect(await rawRow(revoked)).toBeNull();
  });

  it('update moves the user index when the user field changes', async () => {
    const { clock, store } = clocked();
    const k = freshKey();
    const [alice, bob] = [`alice-${k}`, `bob-${k}`];
    await store.set(k, { ...record(clock.time, { userId: alice }), userId: alice }, clock.time + HOUR);
    const patch = (changes: Partial<SessionPatch>): SessionPatch => ({
      now: clock.time,
      idleMs: HOUR,
      absoluteMs: 24 * HOUR,
      userField: 'userId',
      ...changes,
    });
    await store.update(k, patch({ set: { userId: bob } }));
    expect(await store.listByUser(alice)).toEqual([]);
    expect(await store.listByUser(bob)).toEqual([k]);
    await store.update(k, patch({ unset: ['userId'] }));
    expect(await store.listByUser(bob)).toEqual([]);
    expect((await store.get(k))!.userId).toBeUndefined();
  });

  it('expired rows are ignored on read and removed by sweep(), live rows kept', async () => {
    const { clock, store } = clocked(Date.now() + 400 * 24 * HOUR); // later than every other test's rows
    const user = `sweep-user-${freshKey()}`;
    const expired = [freshKey(), freshKey()];
    const live = freshKey();
    for (const k of expired) await store.set(k, { ...record(clock.time), userId: user }, clock.time + 1000);
    await store.set(live, { ...record(clock.time), userId: user }, clock.time + HOUR);
    clock.time += 1000;
    for (const k of expired) {
      expect(await store.get(k)).toBeNull();
      expect(await rawRow(k)).not.toBeNull(); // still there until swept
    }
    await store.touch(expired[0]!, record(clock.time), clock.time + HOUR); // touch must not revive it
    expect(await store.get(expired[0]!)).toBeNull();
    expect(await store.listByUser(user)).toEqual([live]);
    expect(await store.sweep()).toBeGreaterThanOrEqual(2);
    for (const k of expired) expect(await rawRow(k)).toBeNull();
    expect(await store.get(live)).not.toBeNull();
    expect(await store.sweep()).toBe(0);
  });

  it('sweep() deletes in chunks until nothing expired is left', async () => {
    const table = 'sweep_chunks';
    const store = new D1Store(env.DB, { table });
    await store.ensureSchema();
    const t = Date.now();
    const insert = env.DB.prepare(
      `INSERT INTO "${table}" (id, user_id, data, expires_at) VALUES (?, NULL, '{}', ?)`,
    );
    await env.DB.batch(Array.from({ length: 2500 }, (_, i) => insert.bind(`expired-${i}`, t - 1)));
    await env.DB.batch(Array.from({ length: 10 }, (_, i) => insert.bind(`live-${i}`, t + HOUR)));
    expect(await store.sweep()).toBe(2500);
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM "${table}"`).first('n')).toBe(10);
  });

  it('deleteByUser removes every row of the user and counts the live ones', async () => {
    const { clock, store } = clocked();
    const user = `revoke-${freshKey()}`;
    const keys = [freshKey(), freshKey(), freshKey()];
    for (const k of keys) await store.set(k, { ...record(clock.time), userId: user }, clock.time + HOUR);
    const stale = freshKey();
    await store.set(stale, { ...record(clock.time - 2 * HOUR), userId: user }, clock.time - 1);
    expect(await store.deleteByUser(user)).toBe(3);
    for (const k of [...keys, stale]) expect(await rawRow(k)).toBeNull();
    expect(await store.deleteByUser(user)).toBe(0);
  });

  it('stores the hashed key only, never the session id', async () => {
    const browser = new CookieJar();
    await send(browser, '/login?store=d1&user=hash-check');
    const id = idOf(browser.cookies.get('__Host-sid'))!;
    const [key] = await new D1Store(env.DB).listByUser('hash-check');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toBe(id);
    const row = await rawRow(key!);
    expect(row!.data.includes(id)).toBe(false);
  });

  describe('behind the session engine', () => {
    it('log in, read, log out: logout is effective on the very next request', () =>
      logoutIsImmediate(new CookieJar(), 'd1', 'ada-d1'));

    it('50 concurrent requests: every key set and every increment survives', async () => {
      const browser = new CookieJar();
      await send(browser, '/login?store=d1&user=concurrent-d1');
      const responses = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) => fetchWorker(browser.request(`/key?store=d1&k=k${i}&v=${i}`))),
        ...Array.from({ length: 50 }, () => fetchWorker(browser.request('/count?store=d1'))),
      ]);
      expect(responses.every((r) => r.ok)).toBe(true);
      expect(await read(browser)).toMatchObject({ n: 50 });
      const store = new D1Store(env.DB);
      const [key] = await store.listByUser('concurrent-d1');
      const data = (await store.get(key!))!.data;
      for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(String(i));
    });

    it('deleteByUser revokes every session of that user on the next request', async () => {
      const [a1, a2, b1] = [new CookieJar(), new CookieJar(), new CookieJar()];
      for (const jar of [a1, a2]) await send(jar, '/login?store=d1&user=alice-d1');
      await send(b1, '/login?store=d1&user=bob-d1');
      expect(await new D1Store(env.DB).deleteByUser('alice-d1')).toBe(2);
      for (const jar of [a1, a2]) expect(await read(jar)).toMatchObject({ userId: null });
      expect(await read(b1)).toMatchObject({ userId: 'bob-d1' });
    });
  });

  describe('schema', () => {
    const objects = async (table: string) =>
      (
        await env.DB.prepare(
          `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type, name`,
        )
          .bind(table)
          .all<{ type: string; name: string; sql: string }>()
      ).results;

    it('the shipped migration creates the table with its user_id and expires_at indexes', async () => {
      const found = await objects('tessera_sessions');
      expect(found.map((o) => `${o.type} ${o.name}`)).toEqual([
        'index tessera_sessions_expires_at',
        'index tessera_sessions_user_id',
        'table tessera_sessions',
      ]);
      expect(found.find((o) => o.name === 'tessera_sessions_user_id')!.sql).toMatch(/\(user_id\)$/);
      expect(found.find((o) => o.name === 'tessera_sessions_expires_at')!.sql).toMatch(/\(expires_at\)$/);
      const columns = (
        await env.DB.prepare(`PRAGMA table_info("tessera_sessions")`).all<{
          name: string;
          type: string;
          pk: number;
        }>()
      ).results;
      expect(columns.map((c) => [c.name, c.type, c.pk])).toEqual([
        ['id', 'TEXT', 1],
        ['user_id', 'TEXT', 0],
        ['data', 'TEXT', 0],
        ['expires_at', 'INTEGER', 0],
      ]);
    });

    it('ensureSchema() creates the same schema as the migration, and is idempotent', async () => {
      const store = new D1Store(env.DB, { table: 'ensure_schema_check' });
      await store.ensureSchema();
      await store.ensureSchema();
      const normalize = (sql: string, table: string) => sql.replaceAll(table, 'T').replace(/\s+/g, ' ');
      expect(
        (await objects('ensure_schema_check')).map((o) => normalize(o.sql, 'ensure_schema_check')),
      ).toEqual((await objects('tessera_sessions')).map((o) => normalize(o.sql, 'tessera_sessions')));
      const k = freshKey();
      const t = Date.now();
      await store.set(k, record(t, { ok: true }), t + HOUR);
      expect((await store.get(k))!.data).toEqual({ ok: true });
    });

    it('a store error propagates instead of reading as "no session"', async () => {
      const store = new D1Store(env.DB, { table: 'no_such_table' });
      await expect(store.get(freshKey())).rejects.toThrow(/no such table/);
      await expect(
        store.update(freshKey(), { now: Date.now(), idleMs: HOUR, absoluteMs: HOUR, userField: 'userId' }),
      ).rejects.toThrow();
    });
  });

  it('refuses a bad table option or something that is not a D1 binding', () => {
    for (const table of [
      '',
      'sessions; DROP TABLE x',
      'a"b',
      '1sessions',
      'sqlite_master',
      '_cf_KV',
      'x'.repeat(65),
      'tab le',
      'täble',
      42,
    ]) {
      expect(() => new D1Store(env.DB, { table: table as string })).toThrow(TypeError);
      expect(() => new D1Store(env.DB, { table: table as string })).toThrow(/option table/);
    }
    expect(new D1Store(env.DB, { table: 'select' }).table).toBe('select'); // a keyword is fine: names are quoted
    expect(() => new D1Store({} as D1DatabaseLike)).toThrow(/D1 database binding/);
    expect(() => new D1Store(null as unknown as D1DatabaseLike)).toThrow(/D1 database binding/);
  });
});
