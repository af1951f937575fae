import { describe, expect, it } from 'vitest';
import { createSessionManager, MemoryStore, type SessionPatch, type SessionRecord } from '../../src/index.ts';
import { Clock, CookieJar, SECRET } from './helpers.ts';

const HOUR = 3_600_000;

function record(now: number, data: Record<string, unknown> = {}, userId?: string): SessionRecord {
  return {
    data,
    flash: {},
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + HOUR,
    ...(userId ? { userId } : {}),
  };
}

function patch(now: number, changes: Partial<SessionPatch>): SessionPatch {
  return { now, idleMs: HOUR, absoluteMs: 24 * HOUR, userField: 'userId', ...changes };
}

describe('MemoryStore', () => {
  it('is bounded: the least recently written entry is evicted first', async () => {
    const clock = new Clock();
    const store = new MemoryStore({ maxEntries: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) await store.set(key, record(clock.time), clock.time + HOUR);
    await store.set('a', record(clock.time, { again: true }), clock.time + HOUR); // a is now the newest
    await store.set('d', record(clock.time), clock.time + HOUR);
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).toMatchObject({ data: { again: true } });
    expect(await store.get('c')).not.toBeNull();
    expect(await store.get('d')).not.toBeNull();
  });

  it('hides expired records and sweeps them out', async () => {
    const clock = new Clock();
    const store = new MemoryStore({ sweepInterval: 1000, now: clock.now });
    await store.set('short', record(clock.time), clock.time + 500);
    await store.set('long', record(clock.time), clock.time + HOUR);
    clock.time += 600;
    expect(store.size).toBe(2);
    expect(await store.get('short')).toBeNull();
    await store.set('other', record(clock.time), clock.time + 100);
    clock.time += 2000;
    await store.set('trigger', record(clock.time), clock.time + HOUR); // a write past the interval sweeps
    expect(store.size).toBe(2);
    expect(store.sweep()).toBe(0);
  });

  it('never shares objects with callers', async () => {
    const store = new MemoryStore();
    const original = record(Date.now(), { list: [1] });
    await store.set('k', original, Date.now() + HOUR);
    (original.data.list as number[]).push(2);
    const read = (await store.get('k'))!;
    expect(read.data).toEqual({ list: [1] });
    (read.data.list as number[]).push(3);
    expect((await store.get('k'))!.data).toEqual({ list: [1] });
  });

  it('refuses to patch a missing or expired record', async () => {
    const clock = new Clock();
    const store = new MemoryStore({ now: clock.now });
    expect(await store.update('missing', patch(clock.time, { set: { a: 1 } }))).toBe(false);
    await store.set('k', record(clock.time), clock.time + HOUR);
    expect(await store.update('k', patch(clock.time + 2 * HOUR, { set: { a: 1 } }))).toBe(false);
    expect(await store.get('missing')).toBeNull();
  });

  it('indexes sessions by user for listing and revoking', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    await store.set('a1', record(now, {}, 'alice'), now + HOUR);
    await store.set('a2', record(now, {}, 'alice'), now + HOUR);
    await store.set('b1', record(now, {}, 'bob'), now + HOUR);
    expect((await store.listByUser('alice')).sort()).toEqual(['a1', 'a2']);
    expect(await store.deleteByUser('alice')).toBe(2);
    expect(await store.listByUser('alice')).toEqual([]);
    expect(await store.get('a1')).toBeNull();
    expect(await store.get('b1')).not.toBeNull();
  });

  it('a flood of anonymous sessions does not push out a logged-in user, and the least recently used go first', async () => {
    const store = new MemoryStore({ maxEntries: 100 });
    const at = Date.now();
    const live = (data: Record<string, unknown> = {}, userId?: string) => ({
      data,
      flash: {},
      createdAt: at,
      lastSeenAt: at,
      expiresAt: at + 3_600_000,
      ...(userId ? { userId } : {}),
    });
    await store.set('ada', live({ userId: 'ada' }, 'ada'), at + 3_600_000);
    await store.set('old-anon', live(), at + 3_600_000);
    await store.set('used-anon', live(), at + 3_600_000);
    await store.get('old-anon'); // used after used-anon was written: now more recent
    await store.set('used-anon-2', live(), at + 3_600_000);
    for (let i = 0; i < 96; i++) await store.set(`flood-${i}`, live(), at + 3_600_000);
    expect(store.size).toBe(100);
    await store.set('one-more', live(), at + 3_600_000);
    expect(await store.get('used-anon')).toBeNull(); // the least recently used anonymous session went first
    expect(await store.get('old-anon')).not.toBeNull();
    for (let i = 0; i < 1000; i++) await store.set(`flood-2-${i}`, live(), at + 3_600_000);
    expect(await store.get('ada')).not.toBeNull(); // the logged-in user survives the flood
    expect(store.size).toBe(100);
    // With only users left, the least recently used user goes.
    const users = new MemoryStore({ maxEntries: 2 });
    await users.set('u1', live({}, 'u1'), at + 3_600_000);
    await users.set('u2', live({}, 'u2'), at + 3_600_000);
    await users.get('u1');
    await users.set('u3', live({}, 'u3'), at + 3_600_000);
    expect(await users.get('u2')).toBeNull();
    expect(await users.get('u1')).not.toBeNull();
  });

  it('throws at construction for bad options', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(/option maxEntries/);
    expect(() => new MemoryStore({ sweepInterval: -1 })).toThrow(/option sweepInterval/);
  });

  it('serves concurrent requests of one session through the manager without losing writes', async () => {
    const store = new MemoryStore();
    const manager = createSessionManager<Record<string, number>>({ secrets: SECRET, store });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('start', 1);
    browser.absorb(await manager.commit(first, new Response()));
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const session = manager.load(browser.request());
        await session.get('start'); // read, then write: still a patch, not a full overwrite
        session.set(`k${i}`, i);
        session.increment('hits');
        await manager.commit(session, new Response());
      }),
    );
    const check = manager.load(browser.request());
    for (let i = 0; i < 50; i++) expect(await check.get(`k${i}`)).toBe(i);
    expect(await check.get('hits')).toBe(50);
  });
});

describe('awkward keys', () => {
  it('"__proto__" and other Object.prototype names are plain session keys end to end', async () => {
    const manager = createSessionManager<Record<string, string>>({
      secrets: SECRET,
      store: new MemoryStore(),
    });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('__proto__', 'p');
    first.set('constructor', 'c');
    first.set('toString', 't');
    browser.absorb(await manager.commit(first, new Response()));
    const second = manager.load(browser.request());
    expect(await second.get('__proto__')).toBe('p');
    expect(await second.get('constructor')).toBe('c');
    expect(await second.get('toString')).toBe('t');
    expect(await second.has('hasOwnProperty')).toBe(false);
    second.set('__proto__', 'q');
    await manager.commit(second, new Response());
    expect(await manager.load(browser.request()).get('__proto__')).toBe('q');
  });
});
