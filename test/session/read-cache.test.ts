/**
 * The read cache: a short-lived sealed copy of the record in a second cookie,
 * so reads skip the store; writes still go to it; revocation from elsewhere
 * takes effect within the copy's lifetime (or at once with checkRevocation).
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager, readCache, type SessionManagerOptions } from '../../src/index.ts';
import { Clock, CookieJar, SECRET, SpyStore } from './helpers.ts';

type Data = { userId?: string; n?: number; blob?: string };

function setup(options: Partial<SessionManagerOptions> = {}) {
  const clock = new Clock();
  const store = new SpyStore({ now: clock.now, indexed: true });
  const manager = createSessionManager<Data>({
    secrets: SECRET,
    store,
    now: clock.now,
    readCache: readCache({ maxAge: 30 }),
    ...options,
  });
  const send = async (jar: CookieJar, act: (s: ReturnType<typeof manager.load>) => Promise<void> | void) => {
    const session = manager.load(jar.request());
    await act(session);
    const response = await manager.commit(session, new Response());
    jar.absorb(response);
    return response;
  };
  const read = async (jar: CookieJar) => {
    let user: string | undefined;
    await send(jar, async (s) => void (user = await s.get('userId')));
    return user;
  };
  const logIn = async (jar = new CookieJar()) => {
    await send(jar, async (s) => {
      await s.regenerate();
      s.set('userId', 'ada');
    });
    return jar;
  };
  return { clock, store, manager, send, read, logIn };
}

describe('read cache', () => {
  it('reads skip the store while the copy is fresh; about one store read per copy lifetime', async () => {
    const { clock, store, read, logIn } = setup();
    const browser = await logIn();
    expect(browser.cookies.has('__Host-sid.cache')).toBe(true);
    store.reset();
    for (let i = 0; i < 100; i++) {
      clock.advance(3); // 100 requests over 300 s, a copy lives 30 s
      expect(await read(browser)).toBe('ada');
    }
    expect(store.count('get')).toBeLessThanOrEqual(11);
    expect(store.count('get')).toBeGreaterThanOrEqual(9);
  });

  it('a write goes to the store and drops the copy: the next read fills it from the store, with every write in it', async () => {
    const { store, send, logIn } = setup();
    const browser = await logIn();
    store.reset();
    // Two requests of this browser at once: neither copy may hide the other's write.
    await Promise.all([
      send(browser.clone(), (s) => s.increment('n')),
      send(browser, (s) => s.increment('n')),
    ]);
    expect(store.count('update')).toBe(2);
    expect(browser.cookies.has('__Host-sid.cache')).toBe(false);
    store.reset();
    let n: number | undefined;
    await send(browser, async (s) => void (n = await s.get('n')));
    expect(n).toBe(2);
    expect(store.count('get')).toBe(1);
    store.reset();
    await send(browser, async (s) => void (n = await s.get('n')));
    expect(store.count('get')).toBe(0);
  });

  it('a store without update: the copy is rewritten with the record this request wrote', async () => {
    const clock = new Clock();
    const store = new SpyStore({ now: clock.now, atomic: false });
    const manager = createSessionManager<Data>({
      secrets: SECRET,
      store,
      now: clock.now,
      readCache: readCache({ maxAge: 30 }),
    });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('n', 1);
    browser.absorb(await manager.commit(first, new Response()));
    const second = manager.load(browser.request());
    second.increment('n');
    browser.absorb(await manager.commit(second, new Response()));
    store.reset();
    expect(await manager.load(browser.request()).get('n')).toBe(2);
    expect(store.count('get')).toBe(0);
  });

  it('logout on this browser drops the copy at once', async () => {
    const { send, read, logIn } = setup();
    const browser = await logIn();
    const response = await send(browser, (s) => void s.destroy());
    expect(
      response.headers
        .getSetCookie()
        .filter((l) => l.includes('Max-Age=0'))
        .map((l) => l.split('=')[0]),
    ).toEqual(['__Host-sid', '__Host-sid.cache']);
    expect(await read(browser)).toBeUndefined();
  });

  it('a revocation from elsewhere takes effect within the copy lifetime (30 s), and at once with checkRevocation', async () => {
    for (const checkRevocation of [false, true]) {
      const { clock, manager, read, logIn } = setup({
        readCache: readCache({ maxAge: 30, checkRevocation }),
      });
      const phone = await logIn();
      const laptop = await logIn();
      await read(phone);
      await read(laptop);
      clock.advance(1);
      expect(
        await manager.revokeUserSessions('ada', { except: (await manager.listSessions('ada'))[0]!.handle }),
      ).toBe(1);
      const still = [await read(phone), await read(laptop)].filter(Boolean).length;
      expect(still).toBe(checkRevocation ? 1 : 2); // the copies still answer, or the revocation time is checked
      clock.advance(31);
      expect([await read(phone), await read(laptop)].filter(Boolean)).toHaveLength(1);
    }
  });

  it('checkRevocation on a store without hasEnded is refused, naming the option (never a check that silently never runs)', async () => {
    const withoutRevokedAt = new SpyStore(); // not indexed: no hasEnded
    const options = { secrets: SECRET, readCache: readCache({ maxAge: 30, checkRevocation: true }) };
    expect(() => createSessionManager({ ...options, store: withoutRevokedAt })).toThrow(
      /option readCache has checkRevocation, but the store has no hasEnded/,
    );
    // A store made per request is checked when it is made: the request fails, loudly.
    const perRequest = createSessionManager({ ...options, store: () => withoutRevokedAt });
    const session = perRequest.load(new Request('https://app.example/'));
    session.set('userId', 'ada');
    await expect(perRequest.commit(session, new Response())).rejects.toThrow(/checkRevocation/);
    // Without checkRevocation the same store takes the cache.
    expect(() =>
      createSessionManager({
        secrets: SECRET,
        readCache: readCache({ maxAge: 30 }),
        store: withoutRevokedAt,
      }),
    ).not.toThrow();
  });

  it('a record too large for one cookie is not cached (never truncated), and still reads back whole', async () => {
    const { store, send, logIn } = setup();
    const browser = await logIn();
    const blob = 'x'.repeat(5000);
    const response = await send(browser, (s) => s.set('blob', blob));
    expect(response.headers.getSetCookie().some((l) => l.startsWith('__Host-sid.cache=;'))).toBe(true); // the old copy dropped
    expect(browser.cookies.has('__Host-sid.cache')).toBe(false);
    store.reset();
    let read: string | undefined;
    await send(browser, async (s) => void (read = await s.get('blob')));
    expect(read).toBe(blob);
    expect(store.count('get')).toBe(1);
  });

  it('a tampered copy, or a copy of another session, is ignored', async () => {
    const { store, read, logIn, send } = setup();
    const alice = await logIn();
    const bob = await send(new CookieJar(), (s) => s.set('userId', 'bob')).then(() => undefined);
    void bob;
    const mallory = new CookieJar();
    await send(mallory, (s) => s.set('userId', 'mallory'));
    await read(mallory);
    // Mallory pastes Alice's copy next to her own session cookie: it is bound to Alice's session.
    mallory.cookies.set('__Host-sid.cache', alice.cookies.get('__Host-sid.cache')!);
    store.reset();
    expect(await read(mallory)).toBe('mallory');
    expect(store.count('get')).toBe(1);
    const tampered = alice.clone();
    const copy = tampered.cookies.get('__Host-sid.cache')!;
    tampered.cookies.set(
      '__Host-sid.cache',
      copy.slice(0, 20) + (copy[20] === 'A' ? 'B' : 'A') + copy.slice(21),
    );
    store.reset();
    expect(await read(tampered)).toBe('ada');
    expect(store.count('get')).toBe(1);
  });

  it('refuses a bad maxAge, and a readCache option it did not make, at construction', () => {
    for (const maxAge of [0, 301, 1.5, Number.NaN]) {
      expect(() => readCache({ maxAge }), String(maxAge)).toThrow(/readCache: option maxAge/);
    }
    for (const option of [{ maxAge: 30 }, null, 'yes']) {
      expect(() => createSessionManager({ secrets: SECRET, readCache: option as never })).toThrow(
        /option readCache must be made by readCache\(\)/,
      );
    }
  });
});
