import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/index.ts';
import { DurableObjectStore, type SessionDurableObject } from '../../src/stores/durable-object.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { CookieJar } from '../session/helpers.ts';
import { fetchWorker, logoutIsImmediate, read as readWith, send } from '../workers/client.ts';

const read = (jar: CookieJar) => readWith(jar, 'do');

const record = (expiresAt: number, data: Record<string, unknown> = {}): SessionRecord => ({
  data,
  flash: {},
  createdAt: Date.now(),
  lastSeenAt: Date.now(),
  expiresAt,
});

describe('DurableObjectStore', () => {
  for (const check of storeConformance(() => new DurableObjectStore(env.SESSIONS_DO), {
    largeRecordBytes: 100_000,
  })) {
    it(check.name, check.run);
  }
  // A small limit, so the suite's over-the-limit write is quick to make.
  for (const check of storeConformance(
    () => new DurableObjectStore(env.SESSIONS_DO, { maxRecordBytes: 4096 }),
    {
      maxRecordBytes: 4096,
    },
  ).filter((check) => check.name.includes('maxRecordBytes'))) {
    it(check.name, check.run);
  }

  it('log in, read, log out: logout is effective on the very next request', () =>
    logoutIsImmediate(new CookieJar(), 'do', 'ada'));

  it('50 concurrent requests setting their own key on one session: all 50 survive', async () => {
    const browser = new CookieJar();
    await send(browser, '/login?store=do&user=ada');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => fetchWorker(browser.request(`/key?store=do&k=k${i}&v=${i}`))),
    );
    const store = new DurableObjectStore(env.SESSIONS_DO);
    const [key] = await store.listByUser('ada');
    const data = (await store.get(key!))!.data;
    for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(String(i));
  });

  it('50 concurrent increments through the atomic update count exactly 50', async () => {
    const browser = new CookieJar();
    await send(browser, '/login?store=do&user=counter');
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => fetchWorker(browser.request('/count?store=do'))),
    );
    expect(responses.every((r) => r.ok)).toBe(true);
    expect(await read(browser)).toMatchObject({ n: 50 });
  });

  it('deleteByUser revokes every session of that user on the next request', async () => {
    const [a1, a2, a3, b1] = [new CookieJar(), new CookieJar(), new CookieJar(), new CookieJar()];
    for (const jar of [a1, a2, a3]) await send(jar, '/login?store=do&user=alice');
    await send(b1, '/login?store=do&user=bob');
    const store = new DurableObjectStore(env.SESSIONS_DO);
    expect(await store.listByUser('alice')).toHaveLength(3);
    expect(await store.deleteByUser('alice')).toBe(3);
    for (const jar of [a1, a2, a3]) expect(await read(jar)).toMatchObject({ userId: null });
    expect(await read(b1)).toMatchObject({ userId: 'bob' });
  });

  describe('a login racing "sign out everywhere" for the same user', () => {
    const objectFor = (name: string) => env.SESSIONS_DO.get(env.SESSIONS_DO.idFromName(name));

    it('indexed before the revocation, written after it: the write is refused and nothing survives', async () => {
      const store = new DurableObjectStore(env.SESSIONS_DO);
      const user = `racer-${crypto.randomUUID()}`;
      const key = `race-${crypto.randomUUID()}`.padEnd(43, 'x').slice(0, 43);
      const login = { ...record(Date.now() + 60_000, { userId: user }), userId: user };
      // The login's first step (what set() does first) lands before the revocation…
      await objectFor(`u:${user}`).indexAdd(key);
      await store.deleteByUser(user);
      // …and its record write after it.
      await expect(store.set(key, login, login.expiresAt)).rejects.toThrow(
        /deleted \(logged out or revoked\)/,
      );
      expect(await store.get(key)).toBeNull();
      expect(await store.listByUser(user)).toEqual([]);
    });

    it('a login entirely after the revocation is not affected', async () => {
      const store = new DurableObjectStore(env.SESSIONS_DO);
      const user = `later-${crypto.randomUUID()}`;
      const key = `later-${crypto.randomUUID()}`.padEnd(43, 'x').slice(0, 43);
      await store.deleteByUser(user);
      const login = { ...record(Date.now() + 60_000, { userId: user }), userId: user };
      await store.set(key, login, login.expiresAt);
      expect(await store.listByUser(user)).toEqual([key]);
    });

    it('a logged-out session is not written back by a request still in flight', async () => {
      const store = new DurableObjectStore(env.SESSIONS_DO);
      const key = `inflight-${crypto.randomUUID()}`.padEnd(43, 'x').slice(0, 43);
      const value = record(Date.now() + 60_000, { v: 1 });
      await store.set(key, value, value.expiresAt);
      await store.delete(key);
      await expect(store.set(key, value, value.expiresAt)).rejects.toThrow(/deleted/);
      expect(
        await store.update(key, {
          now: Date.now(),
          idleMs: 3_600_000,
          absoluteMs: 86_400_000,
          userField: 'userId',
          set: { v: 2 },
        }),
      ).toBe(false);
      expect(await store.get(key)).toBeNull();
    });
  });

  describe('alarms', () => {
    const stubFor = (key: string) => env.SESSIONS_DO.get(env.SESSIONS_DO.idFromName(`s:${key}`));

    it('an expired record deletes itself; running the alarm twice is harmless', async () => {
      const store = new DurableObjectStore(env.SESSIONS_DO);
      const key = 'alarm-expired-'.padEnd(43, 'x');
      await store.set(key, record(Date.now() + 50), Date.now() + 50);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await runDurableObjectAlarm(stubFor(key));
      expect(await store.get(key)).toBeNull();
      expect(await runDurableObjectAlarm(stubFor(key))).toBe(false);
      await runInDurableObject<SessionDurableObject, void>(stubFor(key), async (instance) => {
        await instance.alarm();
        expect(instance.getRecord()).toBeNull();
      });
    });

    it('an alarm that fires after a touch moved the expiry keeps the record and reschedules', async () => {
      const store = new DurableObjectStore(env.SESSIONS_DO);
      const key = 'alarm-touched-'.padEnd(43, 'x');
      const first = record(Date.now() + 60_000, { keep: true });
      await store.set(key, first, first.expiresAt);
      const later = Date.now() + 3_600_000;
      await store.touch(key, { ...first, expiresAt: later }, later);
      await runInDurableObject<SessionDurableObject, void>(stubFor(key), async (instance, state) => {
        await instance.alarm();
        await instance.alarm();
        expect(instance.getRecord()).toMatchObject({ data: { keep: true }, expiresAt: later });
        expect(await state.storage.getAlarm()).toBe(later);
      });
    });
  });

  it('refuses something that is not a namespace', () => {
    expect(() => new DurableObjectStore({} as never)).toThrow(/Durable Object namespace/);
  });

  it('without Durable Object RPC (compatibility date before 2024-04-03) fails at first use, naming the date', async () => {
    // What such a Worker's stub looks like: fetch and id, no RPC methods.
    const stub = { id: {}, fetch: () => Promise.resolve(new Response()) };
    const store = new DurableObjectStore({ idFromName: () => ({}), get: () => stub } as never);
    const noRpc = /compatibility_date = "2024-04-03" or later/;
    await expect(store.get('key')).rejects.toThrow(noRpc);
    await expect(store.set('key', record(Date.now() + 60_000), Date.now() + 60_000)).rejects.toThrow(noRpc);
    await expect(store.delete('key')).rejects.toThrow(noRpc);
  });
});
