import { Hono, type Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { getSession, session, type SessionEnv } from '../../src/hono/index.ts';
import { CookieStore, createSessionManager, MemoryStore } from '../../src/index.ts';
import { CookieJar, SECRET, SpyStore } from '../session/helpers.ts';
import { buildApp, setCookieNames, tamper, type Data } from './app.ts';

const SID = '__Host-sid';

function withSpy() {
  const store = new SpyStore();
  return { store, ...buildApp({ secrets: SECRET, store }) };
}

describe('session() middleware: the login cycle', () => {
  it('login sets the session, the next request reads it, logout clears it', async () => {
    const { send, store } = withSpy();
    const browser = new CookieJar();

    const login = await send(browser, '/login?user=ada', { method: 'POST' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/');
    expect(setCookieNames(login)).toEqual([SID]);
    expect(login.headers.getSetCookie()[0]).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(login.headers.get('cache-control')).toBe('private, no-store');

    const page = await send(browser, '/');
    expect(await page.json()).toEqual({ userId: 'ada', notice: 'Welcome', n: 0 });
    expect(await (await send(browser, '/')).json()).toEqual({ userId: 'ada', notice: null, n: 0 });

    const stolen = browser.clone();
    const logout = await send(browser, '/logout', { method: 'POST' });
    expect(logout.headers.getSetCookie()).toEqual([
      `${SID}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
    ]);
    expect(logout.headers.get('cache-control')).toBe('no-store');
    expect(browser.cookies.has(SID)).toBe(false);
    // The record is gone: a copy of the old cookie reads as logged out.
    expect(await (await send(stolen, '/')).json()).toMatchObject({ userId: null });
    expect(store.inner.size).toBe(0);
  });

  it('a tampered cookie logs out: no store call, the cookie is expired', async () => {
    const { send, store } = withSpy();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    browser.cookies.set(SID, tamper(browser.cookies.get(SID)!));
    store.reset();
    const response = await send(browser, '/');
    expect(await response.json()).toMatchObject({ userId: null });
    expect(store.calls).toEqual([]);
    expect(response.headers.getSetCookie()).toEqual([
      `${SID}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
    ]);
  });

  it('a route that never touches c.var.session sends no Set-Cookie and makes no store call', async () => {
    let factoryCalls = 0;
    const store = new SpyStore();
    const { send } = buildApp({
      secrets: SECRET,
      store: () => {
        factoryCalls++;
        return store;
      },
    });
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    store.reset();
    factoryCalls = 0;
    const response = await send(browser, '/static');
    expect(await response.text()).toBe('no session here');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.has('cache-control')).toBe(false);
    expect(store.calls).toEqual([]);
    expect(factoryCalls).toBe(0);
  });

  it('a read-only request writes nothing and sends no Set-Cookie', async () => {
    const { send, store } = withSpy();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    await send(browser, '/'); // consumes the flash (a write)
    store.reset();
    const response = await send(browser, '/');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.writes()).toBe(0);
    expect(store.count('get')).toBe(1);
  });
});

describe('session() middleware: responses the handler builds', () => {
  it('keeps two Set-Cookie lines the handler set (hono/cookie and c.header) and adds the session', async () => {
    const { send } = withSpy();
    const response = await send(new CookieJar(), '/cookies');
    expect(setCookieNames(response)).toEqual(['theme', 'lang', SID]);
  });

  it('keeps the Set-Cookie lines, status and body of a brand-new Response', async () => {
    const { send } = withSpy();
    const browser = new CookieJar();
    const response = await send(browser, '/new-response');
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('fresh');
    expect(setCookieNames(response)).toEqual(['a', 'b', SID]);
    expect(await (await send(browser, '/')).json()).toMatchObject({ n: 1 });
  });

  it('commits onto c.redirect() and onto Response.redirect() (immutable headers)', async () => {
    const { send } = withSpy();
    const browser = new CookieJar();
    const immutable = await send(browser, '/redirect-immutable');
    expect(immutable.status).toBe(303);
    expect(immutable.headers.get('location')).toBe('https://app.example/');
    expect(setCookieNames(immutable)).toEqual([SID]);
    const second = await send(browser, '/redirect-immutable');
    expect(second.headers.getSetCookie()).toEqual([]); // same session, patched in place
    expect(await (await send(browser, '/')).json()).toMatchObject({ n: 2 });
  });

  it('copies a response with immutable headers (a fetch() passed through), keeping its Set-Cookie', async () => {
    const { send } = withSpy();
    const browser = new CookieJar();
    const response = await send(browser, '/proxied');
    expect(await response.text()).toBe('proxied');
    expect(setCookieNames(response)).toEqual(['upstream', SID]);
    expect(await (await send(browser, '/')).json()).toMatchObject({ n: 1 });
  });

  it('works in sub-apps mounted with app.route()', async () => {
    const { send } = withSpy();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    expect(await (await send(browser, '/admin/whoami')).text()).toBe('ada');
    await send(browser, '/admin/promote', { method: 'POST' });
    expect(await (await send(browser, '/')).json()).toMatchObject({ userId: 'admin' });
  });

  it('a sub-app with its own session() middleware gets typed sessions too', async () => {
    const store = new MemoryStore();
    const sub = new Hono<SessionEnv<Data>>();
    sub.use(session<Data>({ secrets: SECRET, store }));
    sub.get('/visit', async (c) => {
      c.var.session.increment('n');
      return c.text(String((await c.var.session.get('n')) ?? 0));
    });
    const app = new Hono().route('/sub', sub);
    const browser = new CookieJar();
    for (const expected of ['1', '2']) {
      const response = await app.request(browser.request('/sub/visit'));
      browser.absorb(response);
      expect(await response.text()).toBe(expected);
    }
  });

  it('when the handler throws, onError answers and nothing is committed', async () => {
    const { send, store, errors } = withSpy();
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    store.reset();
    const response = await send(browser, '/boom');
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('error: boom');
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.writes()).toBe(0);
    expect(await (await send(browser, '/')).json()).toMatchObject({ userId: 'ada' });
  });

  it('a store failure at commit reaches onError and no session cookie is sent', async () => {
    const store = new SpyStore({ atomic: false });
    const outage = new Error('store down');
    const { send, errors } = buildApp({ secrets: SECRET, store });
    const browser = new CookieJar();
    await send(browser, '/count');
    store.failGet = outage;
    const response = await send(browser, '/count');
    expect(response.status).toBe(500);
    expect(errors).toEqual([outage]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('session() options', () => {
  it('a store function receives the Hono context (bindings on c.env)', async () => {
    const stores = { A: new MemoryStore(), B: new MemoryStore() };
    const seen: Context[] = [];
    const { send } = buildApp<{ STORE: 'A' | 'B' }>(
      {
        secrets: SECRET,
        store: (c) => {
          seen.push(c as unknown as Context);
          return stores[c.env.STORE];
        },
      },
      { STORE: 'B' },
    );
    await send(new CookieJar(), '/count');
    expect(stores.A.size).toBe(0);
    expect(stores.B.size).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.req.path).toBe('/count');
  });

  it('a secrets function receives the Hono context too (Workers secrets live on c.env)', async () => {
    const seen: string[] = [];
    const { send } = buildApp<{ SESSION_SECRET: string }>(
      {
        secrets: (c) => {
          seen.push(c.req.path);
          return [c.env.SESSION_SECRET];
        },
        store: new MemoryStore(),
      },
      { SESSION_SECRET: SECRET },
    );
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    expect(await (await send(browser, '/')).json()).toMatchObject({ userId: 'ada' });
    expect(seen).toContain('/login');
  });

  it('accepts a ready manager (its store function gets c.env)', async () => {
    const envs: unknown[] = [];
    const store = new MemoryStore();
    const manager = createSessionManager<Data, { env: { TAG: string } }>({
      secrets: SECRET,
      store: (_request, env) => {
        envs.push(env);
        return store;
      },
    });
    const app = new Hono<SessionEnv<Data, { bindings: { TAG: string } }>>();
    app.use(session(manager));
    app.get('/', async (c) => {
      c.var.session.set('userId', 'ada');
      return c.text('ok');
    });
    const response = await app.request('/', {}, { TAG: 'bindings' });
    expect(setCookieNames(response)).toEqual([SID]);
    expect(envs).toEqual([{ TAG: 'bindings' }]);
    expect(store.size).toBe(1);
  });

  it('works with the CookieStore', async () => {
    const { send } = buildApp({ secrets: SECRET, store: new CookieStore() });
    const browser = new CookieJar();
    await send(browser, '/login?user=ada', { method: 'POST' });
    expect(await (await send(browser, '/')).json()).toMatchObject({ userId: 'ada', notice: 'Welcome' });
    await send(browser, '/logout', { method: 'POST' });
    expect(await (await send(browser, '/')).json()).toMatchObject({ userId: null });
  });

  it('getSession(c) is c.var.session, and throws (→ onError) without the middleware', async () => {
    const app = new Hono<SessionEnv<Data>>();
    const errors: Error[] = [];
    app.onError((error, c) => {
      errors.push(error);
      return c.text('misconfigured', 500);
    });
    app.get('/bare', (c) => c.text(String(getSession(c))));
    app.use('/with/*', session<Data>({ secrets: SECRET }));
    app.get('/with/same', (c) =>
      c.text(String(getSession(c) === c.var.session && c.get('session') === c.var.session)),
    );
    expect(await (await app.request('/with/same')).text()).toBe('true');
    expect((await app.request('/bare')).status).toBe(500);
    expect(errors[0]?.message).toMatch(/getSession: no session on this request/);
  });

  it('bad options throw at construction, naming the option', () => {
    expect(() => session({} as never)).toThrow(/option secrets/);
    expect(() => session({ secrets: 'short' })).toThrow(/32 bytes/);
    expect(() => session({ secrets: SECRET, idleTimeout: -1 })).toThrow(/option idleTimeout/);
    expect(() => session({ secrets: SECRET, store: 42 as never })).toThrow(/option store/);
    expect(() => session(null as never)).toThrow(/options are required/);
  });
});
