/**
 * Guarantees that hold when features are combined: regenerate × logout ×
 * read cache, "sign out everywhere else" × freshness, a late read × a write,
 * on MemoryStore and on stores with and without the atomic calls. Each case
 * was reproduced against the engine before the fix. The store-dependent
 * cases live in composition-cases.ts and also run on the Cloudflare stores
 * (test/stores/composition.workerd.test.ts) and on Redis.
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager, MemoryStore, readCache, type SessionStore } from '../../src/index.ts';
import { compositionGuarantees, setup } from './composition-cases.ts';
import { CookieJar, SECRET, SpyStore } from './helpers.ts';

type Data = { userId?: string; cart?: string[]; n?: number; nonce?: string };

/** The stores each case runs on: the engine's own, an atomic one with move, and one with neither update nor move. */
const STORES: [string, (now: () => number) => SessionStore][] = [
  ['MemoryStore', (now) => new MemoryStore({ now })],
  ['atomic store with move', (now) => new SpyStore({ now, indexed: true, move: true })],
  ['store without update or move', (now) => new SpyStore({ now, indexed: true, atomic: false })],
];

for (const [name, makeStore] of STORES) compositionGuarantees(name, makeStore);

describe('logout and revocation with the read cache', () => {
  it('with checkRevocation, ending one session (destroy, revokeSession, the per-user cap) is final at once for a copied pair', async () => {
    for (const end of ['destroy', 'revokeSession', 'cap'] as const) {
      const { send, manager, logIn, user } = setup((now) => new MemoryStore({ now }), {
        readCache: readCache({ maxAge: 30, checkRevocation: true }),
        ...(end === 'cap' ? { maxSessionsPerUser: 1 } : {}),
      });
      const victim = await logIn();
      await user(victim);
      const thief = victim.clone();
      if (end === 'destroy') await send(victim, (s) => s.destroy());
      if (end === 'revokeSession') {
        const handle = await send(victim, async (s) => (await s.info()).handle!);
        expect(await manager.revokeSession(handle)).toBe(true);
      }
      if (end === 'cap') await logIn(); // a second login evicts the first session
      expect(await user(thief), end).toBeUndefined();
    }
  });

  it('without checkRevocation, a copied pair keeps reading for at most maxAge after logout, then never again', async () => {
    const { clock, send, logIn, user, ada } = setup((now) => new MemoryStore({ now }), {
      readCache: readCache({ maxAge: 30 }),
    });
    const victim = await logIn();
    await user(victim);
    const thief = victim.clone();
    await send(victim, (s) => s.destroy());
    expect(await user(thief.clone())).toBe(ada); // the stated bound: the copy still answers
    clock.advance(31);
    expect(await user(thief)).toBeUndefined();
  });

  it('a read-only request that loaded before a write and answered after it leaves no stale copy', async () => {
    const { send, start, logIn } = setup((now) => new MemoryStore({ now }), {
      readCache: readCache({ maxAge: 30 }),
    });
    const browser = await logIn();
    await send(browser, (s) => s.set('cart', ['apple']));
    const reader = start(browser);
    expect(await reader.session.get('cart')).toEqual(['apple']);
    await send(browser, (s) => s.push('cart', 'pear')); // the browser receives this response first
    await reader.finish(); // then the slow read's, with its copy
    expect(await send(browser, (s) => s.get('cart'))).toEqual(['apple', 'pear']);
  });

  it('get(key, { fresh: true }) reads the store: a one-time value cannot be replayed from an older copy', async () => {
    const { send, logIn } = setup((now) => new MemoryStore({ now }), {
      readCache: readCache({ maxAge: 30 }),
    });
    const browser = await logIn();
    await send(browser, (s) => s.set('nonce', 'n-1'));
    await send(browser, (s) => s.get('nonce')); // a copy holding the nonce
    const replay = browser.clone();
    await send(browser, (s) => s.unset('nonce')); // spent
    expect(await send(replay.clone(), (s) => s.get('nonce'))).toBe('n-1'); // the documented replay
    expect(await send(replay, (s) => s.get('nonce', { fresh: true }))).toBeUndefined();
  });
});

describe('revokeSession scoped to the current user', () => {
  it('with current and no userId, another user’s handle is refused unless anyUser is set', async () => {
    const { send, manager, logIn } = setup((now) => new MemoryStore({ now }));
    const ada = await logIn();
    const bob = new CookieJar();
    await send(bob, async (s) => {
      await s.regenerate();
      s.set('userId', 'bob');
    });
    const bobHandle = await send(bob, async (s) => (await s.info()).handle!);
    const current = manager.load(ada.request());
    expect(await manager.revokeSession(bobHandle, { current })).toBe(false);
    expect(await send(bob, (s) => s.get('userId'))).toBe('bob');
    expect(await manager.revokeSession(bobHandle, { current, anyUser: true })).toBe(true);
    expect(await send(bob, (s) => s.get('userId'))).toBeUndefined();
  });
});

describe('session.token() and the HttpOnly cookie', () => {
  it('refuses to hand out the cookie’s value for a session that came in the cookie, unless asked to', async () => {
    const { send, logIn } = setup((now) => new MemoryStore({ now }), {
      sessionToken: { header: 'authorization' },
    });
    const browser = await logIn();
    await expect(send(browser, (s) => s.token())).rejects.toThrow(/HttpOnly cookie/);
    const token = await send(browser, (s) => s.token({ exposeCookieValue: true }));
    expect(browser.cookies.get('__Host-sid')).toBe(token);
  });
});

describe('cache headers on a response that sets a session cookie', () => {
  it('drops CDN cache fields on logout too, and a qualified private does not count as private', async () => {
    const manager = createSessionManager<Data>({ secrets: SECRET });
    const browser = new CookieJar();
    browser.absorb(
      await manager.handle(async (_r, _e, _c, s) => {
        s.set('n', 1);
        return new Response('ok');
      })(browser.request()),
    );
    const cdn = { 'cdn-cache-control': 'max-age=600', 'surrogate-control': 'max-age=600' };
    const logout = await manager.handle(async (_r, _e, _c, s) => {
      await s.destroy();
      s.set('n', 2); // a new session starts in the same response
      return new Response('bye', { headers: cdn });
    })(browser.request());
    expect(logout.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(logout.headers.get('cdn-cache-control')).toBeNull();
    expect(logout.headers.get('surrogate-control')).toBeNull();
    const qualified = await manager.handle(async (_r, _e, _c, s) => {
      s.set('n', 3);
      return new Response('ok', { headers: { 'cache-control': 'private="set-cookie", max-age=60' } });
    })(browser.request());
    expect(qualified.headers.get('cache-control')).toBe('private, private="set-cookie", max-age=60');
  });
});
