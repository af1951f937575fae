/**
 * Tessera's session guarantees through the React Router storage, as checks on
 * any store: signed ids hashed in the store, forged and unknown ids refused,
 * a new id at login, revocation, patches that keep concurrent writes.
 */
import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/index.ts';
import { sha256Base64url } from '../../src/crypto/digest.ts';
import { createTesseraSessionStorage } from '../../src/react-router/index.ts';
import { Browser, fixture, idIn, type Data, type Flash } from './helpers.ts';

export function tesseraGuarantees(label: string, makeStore: () => SessionStore): void {
  const setup = () => fixture(makeStore);

  describe(`createTesseraSessionStorage on ${label}: Tessera's guarantees`, () => {
    it('the store sees SHA-256 of the id, never the id; the session id is that handle', async () => {
      const { storage, store, browser } = setup();
      const session = await storage.getSession(null);
      session.set('theme', 'dark');
      const setCookie = await storage.commitSession(session);
      browser.keep(setCookie);
      const id = idIn(setCookie);
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
      expect(await store.get(id)).toBeNull();
      expect((await store.get(await sha256Base64url(id)))?.data).toEqual({ theme: 'dark' });
    });

    it('a tampered or forged cookie reads as an empty session, and a commit gives a new id', async () => {
      const { storage, browser, login, ada } = setup();
      await login(ada);
      const good = browser.cookie!;
      const id = idIn(good!);
      // One character of the signature changed (to another one, whatever it was).
      const tampered = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.slice(-1);
      const forger = createTesseraSessionStorage<Data, Flash>({
        secrets: 'another-secret-0123456789-abcdefghijkl',
      });
      const forgedSession = await forger.getSession(null);
      forgedSession.set('userId', 'mallory');
      const forged = (await forger.commitSession(forgedSession)).split(';')[0]!;
      for (const cookie of [tampered, forged, `__Host-sid=${id}`, '__Host-sid=', 'sid=x', 'sid=x\nbad']) {
        const session = await storage.getSession(cookie);
        expect(session.data, cookie).toEqual({});
        session.set('theme', 'x');
        expect(idIn(await storage.commitSession(session)), cookie).not.toBe(id);
      }
    });

    it('a login racing a logout does not carry the logged-out session to the new id', async () => {
      const { storage, browser } = setup();
      const anonymous = await storage.getSession(null);
      anonymous.set('cart', ['apple']);
      browser.keep(await storage.commitSession(anonymous));
      const login = await storage.getSession(browser.cookie); // read before the logout lands
      browser.keep(await storage.destroySession(await storage.getSession(browser.cookie)));
      login.set('userId', 'ada');
      const setCookie = await storage.commitSession(login);
      const after = await storage.getSession(setCookie.split(';')[0]!);
      expect(after.get('userId')).toBe('ada'); // the login itself stands
      expect(after.get('cart')).toBeUndefined(); // nothing of the ended session came along
    });

    it('an id the store does not know is never adopted: a commit gives a new one', async () => {
      const { storage, browser, login, ada } = setup();
      await login(ada);
      const old = browser.clone();
      browser.keep(await storage.destroySession(await storage.getSession(browser.cookie)));
      const session = await storage.getSession(old.cookie);
      expect(session.data).toEqual({});
      session.set('theme', 'light');
      const setCookie = await storage.commitSession(session);
      expect(idIn(setCookie)).not.toBe(idIn(old.cookie!));
      expect((await storage.getSession(old.cookie)).data).toEqual({}); // still nothing behind the old id
    });

    it('gaining or changing the user moves the session to a new id (login), keeping its data', async () => {
      const { storage, browser, ada } = setup();
      const visit = await storage.getSession(null);
      visit.set('cart', ['apple']);
      browser.keep(await storage.commitSession(visit));
      const before = browser.clone();
      const session = await storage.getSession(browser.cookie);
      session.set('userId', ada);
      const setCookie = await storage.commitSession(session);
      expect(idIn(setCookie)).not.toBe(idIn(before.cookie!));
      browser.keep(setCookie);
      expect((await storage.getSession(browser.cookie)).data).toEqual({ cart: ['apple'], userId: ada });
      expect((await storage.getSession(before.cookie)).data).toEqual({}); // a planted id is worth nothing
      // Other writes keep the id.
      const later = await storage.getSession(browser.cookie);
      later.set('theme', 'dark');
      expect(idIn(await storage.commitSession(later))).toBe(idIn(setCookie));
    });

    it('revocation through the store (deleteByUser) logs the user out on the next request', async () => {
      const { storage, store, login, read, ada, bob } = setup();
      const [laptop, phone, other] = [new Browser(), new Browser(), new Browser()];
      await login(ada, laptop);
      await login(ada, phone);
      await login(bob, other);
      expect(await read(laptop)).toBe(ada);
      expect(await store.deleteByUser!(ada)).toBe(2);
      expect(await read(laptop)).toBeUndefined();
      expect(await read(phone)).toBeUndefined();
      expect(await read(other)).toBe(bob);
    });

    it('a commit racing a revocation does not write the session back', async () => {
      const { storage, store, browser, login, read, ada } = setup();
      await login(ada);
      const session = await storage.getSession(browser.cookie);
      await store.deleteByUser!(ada);
      session.set('theme', 'dark');
      const setCookie = await storage.commitSession(session);
      expect(setCookie).toMatch(/^__Host-sid=; Max-Age=0;/);
      expect(await read()).toBeUndefined();
      expect(await store.listByUser!(ada)).toEqual([]);
    });

    it('concurrent requests changing different keys keep both (commits are patches)', async () => {
      const { storage, browser } = setup();
      const first = await storage.getSession(null);
      first.set('theme', 'dark');
      browser.keep(await storage.commitSession(first));
      const [one, two] = await Promise.all([
        storage.getSession(browser.cookie),
        storage.getSession(browser.cookie),
      ]);
      one.set('a', 1);
      two.set('b', 2);
      await Promise.all([storage.commitSession(one), storage.commitSession(two)]);
      expect((await storage.getSession(browser.cookie)).data).toEqual({ theme: 'dark', a: 1, b: 2 });
    });

    it('reading a flash removes only the value read: a newer flash set meanwhile survives', async () => {
      const { storage, browser } = setup();
      const first = await storage.getSession(null);
      first.flash('notice', 'old');
      browser.keep(await storage.commitSession(first));
      const reader = await storage.getSession(browser.cookie);
      const writer = await storage.getSession(browser.cookie);
      expect(reader.get('notice')).toBe('old');
      writer.flash('notice', 'new');
      await storage.commitSession(writer);
      await storage.commitSession(reader);
      expect((await storage.getSession(browser.cookie)).get('notice')).toBe('new');
    });
  });
}
