/**
 * The engine's edges: whatever a write accepts the next read returns, a
 * failed write keeps the old session, a late request does not undo a newer
 * login, a stale flash read does not eat a newer flash, and values cross the
 * session boundary as copies.
 */
import { describe, expect, it } from 'vitest';
import {
  CookieStore,
  createSessionManager,
  MemoryStore,
  type Session,
  type SessionStore,
} from '../../src/index.ts';
import { CookieJar, idOf, SECRET, SpyStore } from './helpers.ts';

type Data = { user?: string; cart?: string[]; profile?: { name: string; tags: string[] }; when?: unknown };
type Flash = { notice?: string };

function setup(store: SessionStore | CookieStore = new SpyStore()) {
  const manager = createSessionManager<Data, { flash: Flash }>({ secrets: SECRET, store });
  const send = async (jar: CookieJar, act: (session: Session<Data, Flash>) => Promise<void> | void) => {
    const session = manager.load(jar.request());
    await act(session);
    const response = await manager.commit(session, new Response('ok'));
    jar.absorb(response);
    return response;
  };
  return { manager, send };
}

describe('a failed write at login', () => {
  it('keeps the pre-login session: the new record is written before the old one is deleted', async () => {
    const store = new SpyStore();
    const { send, manager } = setup(store);
    const browser = new CookieJar();
    await send(browser, (s) => s.set('cart', ['apple']));
    const failing = store.set.bind(store);
    store.set = async () => {
      throw new Error('429 Too Many Requests');
    };
    await expect(
      send(browser, async (s) => {
        await s.regenerate();
        s.set('user', 'ada');
      }),
    ).rejects.toThrow('429');
    store.set = failing;
    expect(store.count('delete')).toBe(0);
    expect(await manager.load(browser.request()).get('cart')).toEqual(['apple']);
  });
});

describe('revocation stays final on a store without update', () => {
  it('a request in flight when the session is logged out does not write it back', async () => {
    const store = new SpyStore({ atomic: false });
    const { send, manager } = setup(store);
    const browser = new CookieJar();
    await send(browser, (s) => s.set('user', 'ada'));
    const inFlight = manager.load(browser.request());
    expect(await inFlight.get('user')).toBe('ada');
    await send(browser.clone(), (s) => void s.destroy());
    inFlight.set('cart', ['after logout']);
    await manager.commit(inFlight, new Response());
    expect(store.inner.size).toBe(0);
  });
});

describe('a late request', () => {
  it('carrying the pre-login cookie does not delete the fresh login cookie', async () => {
    const { send } = setup();
    const browser = new CookieJar();
    await send(browser, (s) => s.set('cart', ['apple']));
    const late = browser.clone(); // sent before the login response arrived
    await send(browser, async (s) => {
      await s.regenerate();
      s.set('user', 'ada');
    });
    const response = await send(late, async (s) => {
      expect(await s.get('user')).toBeUndefined();
    });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('an invalid signature still clears the cookie', async () => {
    const { send } = setup();
    const browser = new CookieJar();
    await send(browser, (s) => s.set('user', 'x'));
    const value = browser.cookies.get('__Host-sid')!;
    browser.cookies.set('__Host-sid', `${value.slice(0, -2)}AA`);
    const response = await send(browser, async (s) => void (await s.get('user')));
    expect(response.headers.getSetCookie()).toEqual([
      '__Host-sid=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
    ]);
  });

  it('reading a flash removes only the value it read, not a newer one a concurrent request set', async () => {
    const { send, manager } = setup(new MemoryStore());
    const browser = new CookieJar();
    await send(browser, (s) => s.flash('notice', 'first'));
    // The stale request reads "first"; meanwhile another request sets "second".
    const stale = manager.load(browser.request());
    expect(await stale.get('notice')).toBe('first');
    await send(browser.clone(), (s) => {
      s.flash('notice', 'second');
    });
    await manager.commit(stale, new Response());
    expect(await manager.load(browser.request()).get('notice')).toBe('second');
  });
});

describe('session values', () => {
  it('must be plain JSON: a value JSON would change is refused when written', () => {
    const session = setup().manager.load(new Request('https://a.example/'));
    const refused: [unknown, RegExp][] = [
      [new Date(), /it is a Date object/],
      [Number.NaN, /it is NaN/],
      [Infinity, /Infinity/],
      [undefined, /undefined/],
      [new Map(), /Map object/],
      [{ nested: { at: [1, () => 2] } }, /`.nested.at\[1\]` is a function/],
      [[1, , 3], /sparse/],
      [10n, /bigint/],
    ];
    for (const [value, message] of refused) {
      expect(() => session.set('when', value), String(message)).toThrow(message);
      expect(() => session.set('when', value)).toThrow(TypeError);
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => session.set('when', circular)).toThrow(/circular/);
    expect(() => session.flash('notice', undefined as never)).toThrow(/not JSON-serializable/);
  });

  it('cross the boundary as copies, on every store: mutating what get returned or what was set changes nothing', async () => {
    for (const store of [new MemoryStore(), new SpyStore({ atomic: false }), new CookieStore()]) {
      const { send, manager } = setup(store);
      const browser = new CookieJar();
      const profile = { name: 'ada', tags: ['a'] };
      await send(browser, (s) => {
        s.set('profile', profile);
        profile.tags.push('changed after set');
      });
      await send(browser, async (s) => {
        const read = (await s.get('profile'))!;
        read.tags.push('mutated');
        read.name = 'eve';
        expect(await s.get('profile')).toEqual({ name: 'ada', tags: ['a'] });
        s.set('user', 'touch'); // a write, so the record is committed again
      });
      expect(await manager.load(browser.request()).get('profile')).toEqual({ name: 'ada', tags: ['a'] });
    }
  });

  it('keys that could alias another key in some store are refused', () => {
    const session = createSessionManager({ secrets: SECRET }).load(new Request('https://a.example/'));
    for (const key of ['userId\u0000x', '\ud800', 'a\udc00b']) {
      expect(() => session.set(key, 1)).toThrow(/U\+0000 or a lone surrogate/);
      expect(() => session.increment(key)).toThrow(TypeError);
      expect(() => session.push(key, 1)).toThrow(TypeError);
      expect(() => session.flash(key, 1)).toThrow(TypeError);
      expect(() => session.unset(key)).toThrow(TypeError);
    }
    for (const key of ['__proto__', 'a.b', '"q"', 'back\\slash', '🍪', 'constructor']) session.set(key, key);
  });
});

describe('credentials have one spelling', () => {
  it('a percent-encoded copy of the session cookie is another, invalid cookie', async () => {
    const store = new SpyStore();
    const { send, manager } = setup(store);
    const browser = new CookieJar();
    await send(browser, (s) => s.set('user', 'ada'));
    const value = browser.cookies.get('__Host-sid')!;
    const id = idOf(value)!;
    const copy = new CookieJar();
    copy.cookies.set(
      '__Host-sid',
      `${id.slice(0, 5)}%${id.charCodeAt(5).toString(16).toUpperCase()}${value.slice(6)}`,
    );
    const session = manager.load(copy.request());
    expect(await session.get('user')).toBeUndefined();
    expect(session.isNew).toBe(true);
    expect(await manager.load(browser.request()).get('user')).toBe('ada');
  });
});

describe('responses that set a session cookie are never shared-cacheable', () => {
  const cases: [string | null, string][] = [
    [null, 'private, no-store'],
    ['public, max-age=600', 'private, max-age=600'],
    [
      'max-age=60, s-maxage=3600, stale-while-revalidate=30',
      'private, max-age=60, stale-while-revalidate=30',
    ],
    ['private, max-age=60', 'private, max-age=60'],
    ['no-store', 'no-store'],
    ['PUBLIC, S-MAXAGE=10, proxy-revalidate, no-cache', 'private, no-cache'],
  ];
  for (const [appValue, expected] of cases) {
    it(`${appValue ?? '(none)'} → ${expected}`, async () => {
      const manager = createSessionManager({ secrets: SECRET });
      const session = manager.load(new Request('https://a.example/'));
      session.set('n', 1);
      const headers = new Headers({
        'cdn-cache-control': 'max-age=600',
        'cloudflare-cdn-cache-control': 'max-age=600',
      });
      if (appValue !== null) headers.set('cache-control', appValue);
      const response = await manager.commit(session, new Response('ok', { headers }));
      expect(response.headers.get('cache-control')).toBe(expected);
      expect(response.headers.has('cdn-cache-control')).toBe(false);
      expect(response.headers.has('cloudflare-cdn-cache-control')).toBe(false);
    });
  }

  it('a response without a session cookie keeps its caching', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const session = manager.load(new Request('https://a.example/'));
    const response = await manager.commit(
      session,
      new Response('ok', { headers: { 'cache-control': 'public, max-age=600' } }),
    );
    expect(response.headers.get('cache-control')).toBe('public, max-age=600');
  });
});
