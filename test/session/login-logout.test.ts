import { describe, expect, it } from 'vitest';
import { createSessionManager, type Session } from '../../src/index.ts';
import { CookieJar, idOf, SECRET, SpyStore } from './helpers.ts';

type Data = { userId?: string; cart?: string[]; visits?: number };
type Flash = { notice?: string };

/** The seed app: anonymous cart, login, logout, flash. */
function app(store = new SpyStore()) {
  const manager = createSessionManager<Data, { flash: Flash }>({ secrets: SECRET, store });
  const handler = manager.handle(async (request, _env, _ctx, session: Session<Data, Flash>) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/cart/add':
        session.set('cart', [...((await session.get('cart')) ?? []), url.searchParams.get('item')!]);
        return new Response('added');
      case '/login':
        await session.regenerate();
        session.set('userId', url.searchParams.get('user')!);
        session.flash('notice', 'Welcome');
        return new Response(null, { status: 302, headers: { location: '/' } });
      case '/logout':
        await session.destroy();
        return new Response(null, { status: 302, headers: { location: '/' } });
      case '/logout-and-flash':
        await session.destroy();
        session.flash('notice', 'Bye');
        return new Response('bye');
      case '/static':
        return new Response('no session here');
      default:
        return Response.json({
          userId: (await session.get('userId')) ?? null,
          cart: (await session.get('cart')) ?? [],
          notice: (await session.get('notice')) ?? null,
        });
    }
  });
  const send = async (jar: CookieJar, path: string) => {
    const response = await handler(jar.request(path), undefined, undefined);
    jar.absorb(response);
    return response;
  };
  return { store, send };
}

describe('login and logout', () => {
  it('login regenerates the id, keeps the data, and kills the pre-login cookie', async () => {
    const { store, send } = app();
    const browser = new CookieJar();
    await send(browser, '/cart/add?item=apple');
    const anonymous = browser.clone();
    const anonymousId = idOf(browser.cookies.get('__Host-sid'));

    const login = await send(browser, '/login?user=ada');
    expect(login.status).toBe(302);
    expect(login.headers.getSetCookie()).toHaveLength(1);
    const loggedInId = idOf(browser.cookies.get('__Host-sid'));
    expect(loggedInId).not.toBe(anonymousId);
    expect(store.count('delete')).toBe(1);

    expect(await (await send(browser, '/')).json()).toEqual({
      userId: 'ada',
      cart: ['apple'],
      notice: 'Welcome',
    });
    expect(await (await send(browser, '/')).json()).toEqual({ userId: 'ada', cart: ['apple'], notice: null });

    // The attacker who planted or stole the pre-login cookie gets nothing.
    expect(await (await send(anonymous, '/')).json()).toEqual({ userId: null, cart: [], notice: null });
  });

  it('logout deletes the record, expires the cookie with the same Path, forbids caching', async () => {
    const { store, send } = app();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada');
    const stolen = browser.clone();
    store.reset();
    const logout = await send(browser, '/logout');
    expect(store.count('delete')).toBe(1);
    expect(logout.headers.getSetCookie()).toEqual([
      '__Host-sid=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
    ]);
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expect(browser.cookies.size).toBe(0);
    // Replaying the old cookie gives a fresh anonymous session.
    expect(await (await send(stolen, '/')).json()).toEqual({ userId: null, cart: [], notice: null });
  });

  it('a write after destroy starts a new session (logout with a flash)', async () => {
    const { send } = app();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada');
    const before = idOf(browser.cookies.get('__Host-sid'));
    const response = await send(browser, '/logout-and-flash');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const after = idOf(browser.cookies.get('__Host-sid'));
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await (await send(browser, '/')).json()).toEqual({ userId: null, cart: [], notice: 'Bye' });
  });

  it('flash values are readable exactly once', async () => {
    const { send } = app();
    const browser = new CookieJar();
    await send(browser, '/login?user=x');
    const first = (await (await send(browser, '/')).json()) as { notice: string | null };
    const second = (await (await send(browser, '/')).json()) as { notice: string | null };
    expect([first.notice, second.notice]).toEqual(['Welcome', null]);
  });

  it('a request that never touches the session: no store call, no Set-Cookie', async () => {
    const { store, send } = app();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada');
    store.reset();
    const response = await send(browser, '/static');
    expect(store.calls).toEqual([]);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.has('cache-control')).toBe(false);
  });

  it('a read-only request: one read, no write, no Set-Cookie', async () => {
    const { store, send } = app();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada');
    await send(browser, '/'); // consume the flash
    store.reset();
    const response = await send(browser, '/');
    expect(store.calls.map((c) => c.method)).toEqual(['get']);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('an anonymous visitor who only reads gets no cookie and no record', async () => {
    const { store, send } = app();
    const response = await send(new CookieJar(), '/');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.calls).toEqual([]);
  });
});
