/**
 * `tesserajs/react-router` on the Memory store, on Node and in workerd: the
 * contract (contract.ts), then what needs a clock or a spying store —
 * timeouts, sliding expiry, store calls — and the options.
 */
import { describe, expect, it } from 'vitest';
import { CookieStore, createSessionManager, MemoryStore } from '../../src/index.ts';
import { createTesseraSessionStorage } from '../../src/react-router/index.ts';
import { Clock, SECRET, SpyStore } from '../session/helpers.ts';
import { sha256Base64url } from '../../src/crypto/digest.ts';
import { storageContract } from './contract.ts';
import { tesseraGuarantees } from './guarantees.ts';
import { Browser, fixture, idIn, type Data, type Flash } from './helpers.ts';

storageContract('MemoryStore', () => new MemoryStore());
tesseraGuarantees('MemoryStore', () => new MemoryStore());

/**
 * A storage on a spying Memory store, with a clock the test moves. The store
 * shares the clock unless `makeStore` says otherwise: one on its own (real)
 * clock hands back records that the storage must judge expired itself.
 */
function setup(
  timeouts: { idleTimeout?: number; absoluteTimeout?: number } = {},
  makeStore = (clock: Clock) => new SpyStore({ now: clock.now }),
) {
  const clock = new Clock();
  const fixed = fixture(() => makeStore(clock), { now: clock.now, touchInterval: 60, ...timeouts });
  return { ...fixed, clock, login: () => fixed.login('ada'), read: () => fixed.read() };
}

describe('createTesseraSessionStorage: timeouts from the stored timestamps', () => {
  for (const atomic of [true, false]) {
    it(`idle timeout: reads slide the session, at most one write per touchInterval (${atomic ? 'atomic update' : 'get + set'})`, async () => {
      const { clock, store, login, read } = setup(
        { idleTimeout: 600 },
        (clock) => new SpyStore({ now: clock.now, atomic }),
      );
      await login();
      store.reset();
      clock.advance(30);
      expect(await read()).toBe('ada');
      expect(store.writes()).toBe(0); // within touchInterval: a read writes nothing
      for (let i = 0; i < 3; i++) {
        clock.advance(500); // 25 minutes of reads, each within the 10-minute idle window
        expect(await read()).toBe('ada');
      }
      expect(store.writes()).toBe(3);
      clock.advance(601);
      expect(await read()).toBeUndefined();
    });
  }

  it('absolute timeout ends even an active session', async () => {
    const { clock, login, read } = setup({ idleTimeout: 600, absoluteTimeout: 3600 });
    await login();
    for (let t = 0; t < 3500; t += 300) {
      expect(await read()).toBe('ada');
      clock.advance(300);
    }
    clock.advance(200);
    expect(await read()).toBeUndefined();
  });

  it('an expired record found by a read is deleted at the next commit, under a new id', async () => {
    const { clock, store, storage, browser, login } = setup({ idleTimeout: 600 }, () => new SpyStore());
    await login();
    const oldKey = await sha256Base64url(idIn(browser.cookie!));
    clock.advance(601);
    const session = await storage.getSession(browser.cookie);
    expect(session.data).toEqual({});
    store.reset();
    session.set('theme', 'dark');
    const setCookie = await storage.commitSession(session);
    expect(store.calls.filter((c) => c.method === 'delete').map((c) => c.key)).toEqual([oldKey]);
    expect(await sha256Base64url(idIn(setCookie))).not.toBe(oldKey);
  });
});

describe('createTesseraSessionStorage: store calls', () => {
  it('a forged or tampered cookie costs no store call', async () => {
    const { store, storage, browser, login } = setup();
    await login();
    store.reset();
    const cookie = browser.cookie!;
    // The second-to-last character replaced by another one (never by itself: that would be no tamper).
    await storage.getSession(`${cookie.slice(0, -2)}${cookie.at(-2) === 'x' ? 'y' : 'x'}${cookie.slice(-1)}`);
    await storage.getSession(cookie.replace(/\.[^.]*$/, '.AQAA'));
    expect(store.calls).toEqual([]);
  });

  it('a commit that changes nothing writes nothing and sends the same id again', async () => {
    const { store, storage, browser, login } = setup();
    await login();
    const session = await storage.getSession(browser.cookie);
    store.reset();
    const setCookie = await storage.commitSession(session);
    expect(store.writes()).toBe(0);
    expect(idIn(setCookie)).toBe(idIn(browser.cookie!));
  });

  it('a commit writes only what changed, as one patch', async () => {
    const { store, storage, browser, login } = setup();
    await login();
    const session = await storage.getSession(browser.cookie);
    session.get('userId');
    session.set('theme', 'dark');
    session.set('cart', []);
    store.reset();
    await storage.commitSession(session);
    expect(store.calls.map((c) => c.method)).toEqual(['update']);
    expect(JSON.parse(store.calls[0]!.value!)).toMatchObject({ set: { theme: 'dark', cart: [] } });
    expect(JSON.parse(store.calls[0]!.value!).set).not.toHaveProperty('userId');
  });

  it('a store failure rejects getSession: never answered with a fresh session', async () => {
    const { store, storage, browser, login } = setup();
    await login();
    store.failGet = new Error('store down');
    await expect(storage.getSession(browser.cookie)).rejects.toThrow('store down');
  });

  it('a value that is not plain JSON, or a key no store can keep, throws at commit and writes nothing', async () => {
    const { store, storage } = setup();
    const loose = (await storage.getSession(null)) as unknown as { set(key: string, value: unknown): void };
    loose.set('when', new Date());
    await expect(storage.commitSession(loose as never)).rejects.toThrow(
      /session\.set: value for "when" is not JSON-serializable/,
    );
    const badKey = (await storage.getSession(null)) as unknown as { set(key: string, value: unknown): void };
    badKey.set('a\u0000b', 1);
    await expect(storage.commitSession(badKey as never)).rejects.toThrow(/contains U\+0000/);
    expect(store.writes()).toBe(0);
  });

  it('set(key, undefined) removes the key, as JSON would', async () => {
    const { storage, browser } = setup();
    const session = await storage.getSession(null);
    session.set('theme', 'dark');
    browser.keep(await storage.commitSession(session));
    const again = await storage.getSession(browser.cookie);
    again.set('theme', undefined);
    browser.keep(await storage.commitSession(again));
    expect((await storage.getSession(browser.cookie)).data).toEqual({});
  });
});

describe('createTesseraSessionStorage: options', () => {
  it('refuses misconfiguration at construction, naming the option', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /createTesseraSessionStorage: options are required/],
      [{}, /createTesseraSessionStorage: option secrets is required/],
      [{ secrets: 'short' }, /secret 0 is 5 bytes; secrets must be at least 32 bytes/],
      [{ secrets: SECRET, idleTimeout: 0 }, /createTesseraSessionStorage: option idleTimeout/],
      [{ secrets: SECRET, idleTimeout: 60, touchInterval: 60 }, /option touchInterval/],
      [{ secrets: SECRET, userField: '' }, /createTesseraSessionStorage: option userField/],
      [
        { secrets: SECRET, store: new CookieStore() },
        /createTesseraSessionStorage: option store cannot be a CookieStore/,
      ],
      [
        { secrets: SECRET, cookie: { name: '__Host-app', secure: false } },
        /createTesseraSessionStorage: option cookie/,
      ],
      [{ secrets: SECRET, cookie: { sameSite: 'Sometimes' } }, /createTesseraSessionStorage: option cookie/],
      // A typo is refused, with the nearest known name, rather than silently using the default.
      [{ secrets: SECRET, idleTimout: 60 }, /createTesseraSessionStorage: .*idleTimout.*idleTimeout/],
    ];
    for (const [options, message] of cases) {
      expect(() => createTesseraSessionStorage(options as never), String(message)).toThrow(message);
    }
  });

  it('a store function that returns a CookieStore fails at first use, naming the option', async () => {
    const storage = createTesseraSessionStorage({ secrets: SECRET, store: () => new CookieStore() as never });
    await expect(storage.getSession(null)).rejects.toThrow(/option store cannot be a CookieStore/);
  });

  it('takes secrets and store from env through withEnv', async () => {
    type Env = { SECRET: string; STORE: MemoryStore };
    const stores = [new MemoryStore(), new MemoryStore()];
    const storage = createTesseraSessionStorage<Data, Flash, Env>({
      secrets: (env) => [env.SECRET],
      store: (env) => env.STORE,
    });
    const env = { SECRET, STORE: stores[1]! };
    const { getSession, commitSession } = storage.withEnv(env);
    const session = await getSession(null);
    session.set('theme', 'dark');
    const browser = new Browser().keep(await commitSession(session));
    expect([stores[0]!.size, stores[1]!.size]).toEqual([0, 1]);
    expect((await storage.withEnv({ ...env }).getSession(browser.cookie)).get('theme')).toBe('dark');
    // Another secret does not verify it.
    const other = storage.withEnv({ SECRET: `${SECRET}-rotated`, STORE: stores[1]! });
    expect((await other.getSession(browser.cookie)).data).toEqual({});
  });

  it('verifies with every secret of the ring, signs with the first (rotation)', async () => {
    const store = new MemoryStore();
    const before = createTesseraSessionStorage<Data>({ secrets: [SECRET], store });
    const session = await before.getSession(null);
    session.set('theme', 'dark');
    const browser = new Browser().keep(await before.commitSession(session));
    const after = createTesseraSessionStorage<Data>({ secrets: [`${SECRET}-new`, SECRET], store });
    const again = await after.getSession(browser.cookie);
    expect(again.get('theme')).toBe('dark');
    browser.keep(await after.commitSession(again));
    const only = createTesseraSessionStorage<Data>({ secrets: [`${SECRET}-new`], store });
    expect((await only.getSession(browser.cookie)).get('theme')).toBe('dark');
  });

  it('cookie attributes: secure: false, a name and domain, persistent', async () => {
    const cases: [object, RegExp][] = [
      [{ secure: false }, /^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/],
      [
        { name: 'app', domain: 'example.com', sameSite: 'Strict' },
        /^app=[^;]+; Domain=example\.com; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
      ],
      [{ persistent: true }, /^__Host-sid=[^;]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/],
    ];
    for (const [cookie, expected] of cases) {
      const storage = createTesseraSessionStorage({
        secrets: SECRET,
        cookie,
        now: () => Date.UTC(2030, 0, 1),
      });
      const session = await storage.getSession(null);
      session.set('x', 1);
      expect(await storage.commitSession(session), JSON.stringify(cookie)).toMatch(expected);
    }
  });

  it('indexes users by userField', async () => {
    const store = new MemoryStore();
    const storage = createTesseraSessionStorage<{ uid?: string }>({
      secrets: SECRET,
      store,
      userField: 'uid',
    });
    const session = await storage.getSession(null);
    session.set('uid', 'ada');
    await storage.commitSession(session);
    expect(await store.listByUser('ada')).toHaveLength(1);
  });
});

describe('createTesseraSessionStorage beside createSessionManager on one store', () => {
  it('reads and writes the same sessions: data, flash, user index', async () => {
    const store = new MemoryStore();
    const storage = createTesseraSessionStorage<Data, Flash>({ secrets: SECRET, store });
    const manager = createSessionManager<Data, { flash: Flash }>({ secrets: SECRET, store });
    const session = await storage.getSession(null);
    session.set('userId', 'ada');
    session.flash('notice', 'hi');
    const browser = new Browser().keep(await storage.commitSession(session));

    const request = new Request('https://app.example/', { headers: { cookie: browser.cookie! } });
    const loaded = manager.load(request);
    expect(await loaded.get('userId')).toBe('ada');
    expect(await loaded.get('notice')).toBe('hi');
    loaded.set('theme', 'dark');
    await manager.commit(loaded, new Headers());
    expect((await manager.listSessions('ada')).map((info) => info.handle)).toEqual([
      (await storage.getSession(browser.cookie)).id,
    ]);
    expect((await storage.getSession(browser.cookie)).data).toEqual({ userId: 'ada', theme: 'dark' });
  });
});
