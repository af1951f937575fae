/**
 * React Router's `SessionStorage` contract as checks on a storage over any
 * store: run on Node and in workerd with the Memory store (storage.test.ts)
 * and in workerd with Durable Objects (durable-object.workerd.test.ts).
 */
import { isSession } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/index.ts';
import { sha256Base64url } from '../../src/crypto/digest.ts';
import { Browser, fixture, idIn } from './helpers.ts';

export function storageContract(label: string, makeStore: () => SessionStore): void {
  const setup = () => fixture(makeStore);

  describe(`createTesseraSessionStorage on ${label}: the SessionStorage contract`, () => {
    it('hands out React Router sessions; a visitor without a cookie gets an empty one with id ""', async () => {
      const { storage } = setup();
      const session = await storage.getSession(null);
      expect(isSession(session)).toBe(true);
      expect(session.id).toBe('');
      expect(session.data).toEqual({});
      expect(session.has('userId')).toBe(false);
      expect(await storage.getSession(undefined)).toMatchObject({ id: '' });
    });

    it('commitSession stores the data and returns a __Host- cookie that getSession reads back', async () => {
      const { storage, browser } = setup();
      const session = await storage.getSession(null);
      session.set('theme', 'dark');
      session.set('cart', ['apple']);
      const setCookie = await storage.commitSession(session);
      expect(setCookie).toMatch(
        /^__Host-sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
      browser.keep(setCookie);
      const again = await storage.getSession(browser.cookie);
      expect(again.id).toBe(await sha256Base64url(idIn(setCookie)));
      expect(again.get('theme')).toBe('dark');
      expect(again.get('cart')).toEqual(['apple']);
      expect(again.data).toEqual({ theme: 'dark', cart: ['apple'] });
    });

    it('set, unset and has round-trip through the store', async () => {
      const { storage, browser } = setup();
      const first = await storage.getSession(null);
      first.set('theme', 'dark');
      first.set('a', 1);
      browser.keep(await storage.commitSession(first));
      const second = await storage.getSession(browser.cookie);
      second.unset('theme');
      second.set('a', 2);
      expect(second.has('theme')).toBe(false);
      browser.keep(await storage.commitSession(second));
      const third = await storage.getSession(browser.cookie);
      expect(third.has('theme')).toBe(false);
      expect(third.data).toEqual({ a: 2 });
    });

    it('flash values are read once: gone after a commit of the session that read them', async () => {
      const { storage, browser } = setup();
      const writer = await storage.getSession(null);
      writer.flash('notice', 'Saved');
      browser.keep(await storage.commitSession(writer));

      const peek = await storage.getSession(browser.cookie);
      expect(peek.has('notice')).toBe(true); // has() does not consume
      expect(peek.get('notice')).toBe('Saved');
      expect(peek.get('notice')).toBeUndefined(); // once per session object
      // Not committed: the flash is still stored for the next request.
      const reader = await storage.getSession(browser.cookie);
      expect(reader.get('notice')).toBe('Saved');
      browser.keep(await storage.commitSession(reader));
      expect((await storage.getSession(browser.cookie)).has('notice')).toBe(false);
    });

    it('destroySession deletes the record and expires the cookie; the old cookie then reads as a new session', async () => {
      const { storage, browser, login, read, ada } = setup();
      await login(ada);
      const stolen = browser.clone();
      const session = await storage.getSession(browser.cookie);
      const setCookie = await storage.destroySession(session);
      expect(setCookie).toBe('__Host-sid=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax');
      browser.keep(setCookie);
      expect(browser.cookie).toBeNull();
      expect(await read(stolen)).toBeUndefined();
      expect((await storage.getSession(stolen.cookie)).id).toBe('');
    });

    it('a commit after destroySession starts a new session with only what changed since', async () => {
      const { storage, browser, login, read, ada } = setup();
      await login(ada);
      const session = await storage.getSession(browser.cookie);
      await storage.destroySession(session);
      session.flash('notice', 'Logged out');
      browser.keep(await storage.commitSession(session));
      const next = await storage.getSession(browser.cookie);
      expect(next.data).toEqual({ __flash_notice__: 'Logged out' });
      expect(await read()).toBeUndefined();
    });

    it('commitSession honours maxAge and expires, never past the session absolute lifetime', async () => {
      const { storage } = setup();
      const session = await storage.getSession(null);
      session.set('theme', 'dark');
      expect(await storage.commitSession(session, { maxAge: 3600 })).toMatch(/; Max-Age=3600;/);
      // The default absolute timeout is 24 hours: a week is cut down to what is left of it.
      const week = await storage.commitSession(session, { maxAge: 7 * 86400 });
      const maxAge = Number(/Max-Age=(\d+)/.exec(week)![1]);
      expect(maxAge).toBeGreaterThan(86400 - 60);
      expect(maxAge).toBeLessThanOrEqual(86400);
      const soon = new Date(Date.now() + 60_000);
      expect(await storage.commitSession(session, { expires: soon })).toContain(
        `Expires=${soon.toUTCString()}`,
      );
      const late = await storage.commitSession(session, { expires: new Date(Date.now() + 30 * 86400_000) });
      expect(Date.parse(/Expires=([^;]+)/.exec(late)![1]!)).toBeLessThanOrEqual(Date.now() + 86400_000);
      // `{ maxAge: remember ? … : undefined }`, as apps write it (without exactOptionalPropertyTypes).
      const notRemembered = { maxAge: undefined } as {};
      expect(await storage.commitSession(session, notRemembered)).not.toMatch(/Max-Age|Expires/);
    });

    it('refuses per-call attributes other than maxAge and expires, naming them', async () => {
      const { storage } = setup();
      const session = await storage.getSession(null);
      await expect(storage.commitSession(session, { domain: 'example.com' })).rejects.toThrow(
        /commitSession: option domain cannot vary per call/,
      );
      await expect(storage.destroySession(session, { path: '/admin' })).rejects.toThrow(
        /destroySession: option path/,
      );
    });

    it('commits only sessions its getSession made', async () => {
      const { storage } = setup();
      const { createSession } = await import('react-router');
      await expect(storage.commitSession(createSession({ userId: 'mallory' }, 'x'))).rejects.toThrow(
        /commitSession: the session was not made by this storage's getSession/,
      );
    });
  });
}
