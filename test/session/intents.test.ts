/**
 * Mutations take effect at commit whether or not the caller awaited them:
 * an un-awaited `regenerate()` at login still renews the id (no fixation), an
 * un-awaited `destroy()` still logs out.
 */
import { describe, expect, it } from 'vitest';
import { CookieStore, createSessionManager, MemoryStore, type SessionStore } from '../../src/index.ts';
import { CookieJar, idOf, SECRET, SpyStore } from './helpers.ts';

type Data = { user?: string; cart?: string[] };

const stores: [string, () => SessionStore | CookieStore][] = [
  ['atomic store', () => new MemoryStore()],
  ['get/set store', () => new SpyStore({ atomic: false })],
  ['cookie store', () => new CookieStore()],
];

for (const [label, makeStore] of stores) {
  describe(`un-awaited mutations (${label})`, () => {
    const manager = createSessionManager<Data>({ secrets: SECRET, store: makeStore() });
    const send = async (
      jar: CookieJar,
      act: (session: ReturnType<typeof manager.load>) => Promise<void> | void,
    ) => {
      const session = manager.load(jar.request());
      await act(session);
      const response = await manager.commit(session, new Response('ok'));
      jar.absorb(response);
      return { session, response };
    };
    const read = async (jar: CookieJar) => {
      const session = manager.load(jar.request());
      return { user: await session.get('user'), cart: await session.get('cart') };
    };

    it('regenerate() without await renews the id at commit and keeps the data', async () => {
      const browser = new CookieJar();
      const before = (await send(browser, (s) => s.set('cart', ['apple']))).session.id;
      const attacker = browser.clone();
      const { session, response } = await send(browser, async (s) => {
        await s.get('cart');
        void s.regenerate();
        s.set('user', 'ann');
      });
      expect(response.headers.getSetCookie()).toHaveLength(1);
      expect(session.id).not.toBe(before);
      if (label !== 'cookie store') expect(session.id).toBe(idOf(browser.cookies.get('__Host-sid')));
      expect(await read(browser)).toEqual({ user: 'ann', cart: ['apple'] });
      // The pre-login cookie does not carry the login (cookie sessions cannot be revoked, but hold no login either).
      expect((await read(attacker)).user).toBeUndefined();
    });

    it('regenerate() without any read first still moves the data', async () => {
      const browser = new CookieJar();
      const before = (await send(browser, (s) => s.set('cart', ['pear']))).session.id;
      const cookieBefore = browser.cookies.get('__Host-sid');
      const { session } = await send(browser, (s) => {
        void s.regenerate();
        s.set('user', 'bo');
      });
      expect(browser.cookies.get('__Host-sid')).not.toBe(cookieBefore);
      expect(session.id).not.toBe(before);
      if (label !== 'cookie store') expect(session.id).toBe(idOf(browser.cookies.get('__Host-sid')));
      expect(await read(browser)).toEqual({ user: 'bo', cart: ['pear'] });
    });

    it('destroy() without await logs out at commit', async () => {
      const browser = new CookieJar();
      await send(browser, (s) => s.set('user', 'cy'));
      const stolen = browser.clone();
      const { response } = await send(browser, (s) => void s.destroy());
      expect(response.headers.getSetCookie().every((line) => line.includes('Max-Age=0'))).toBe(true);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(browser.cookies.size).toBe(0);
      if (label !== 'cookie store') expect((await read(stolen)).user).toBeUndefined();
    });

    it('writes after an un-awaited destroy() start a new session; writes before it are dropped', async () => {
      const browser = new CookieJar();
      const before = (await send(browser, (s) => s.set('user', 'di'))).session.id;
      const { session } = await send(browser, (s) => {
        s.set('cart', ['lost']);
        void s.destroy();
        s.push('cart', 'kept');
      });
      expect(session.id).not.toBe(before);
      expect(await read(browser)).toEqual({ user: undefined, cart: ['kept'] });
    });
  });
}

describe('un-awaited regenerate() with a failing store', () => {
  it('fails the commit rather than minting a session without the old data, and leaves no unhandled rejection', async () => {
    const store = new SpyStore();
    const manager = createSessionManager<Data>({ secrets: SECRET, store });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('cart', ['x']);
    browser.absorb(await manager.commit(first, new Response()));
    store.failGet = new Error('store down');
    const session = manager.load(browser.request());
    void session.regenerate();
    session.set('user', 'eve');
    await expect(manager.commit(session, new Response())).rejects.toThrow('store down');
  });
});
