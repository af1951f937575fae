import { Hono } from 'hono';
import { csrf as originCheck } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import {
  csrf,
  csrfToken,
  CSRF_SESSION_KEY,
  session,
  type CsrfOptions,
  type SessionEnv,
} from '../../src/hono/index.ts';
import { CookieJar, ORIGIN, SECRET, SpyStore } from '../session/helpers.ts';

type Data = { userId?: string; n?: number };

function csrfApp(options: { csrf?: CsrfOptions; withOriginCheck?: boolean } = {}) {
  const store = new SpyStore();
  const errors: Error[] = [];
  const app = new Hono<SessionEnv<Data>>();
  app.onError((error, c) => {
    errors.push(error);
    return error instanceof HTTPException ? error.getResponse() : c.text('error', 500);
  });
  if (options.withOriginCheck) app.use(originCheck());
  app.use(session<Data>({ secrets: SECRET, store }));
  app.use(csrf(options.csrf));
  app.get('/form', async (c) => c.text(await csrfToken(c)));
  app.get('/plain', (c) => c.text('no form here'));
  app.get('/visit', async (c) => {
    c.var.session.increment('n');
    return c.text('visited');
  });
  app.post('/login', async (c) => {
    await c.var.session.regenerate();
    c.var.session.set('userId', 'ada');
    return c.text('logged in');
  });
  app.post('/logout', async (c) => {
    await c.var.session.destroy();
    return c.text('logged out');
  });
  // The handler reads the body the middleware already parsed.
  app.post('/transfer', async (c) => {
    const body = await c.req.parseBody();
    c.var.session.set('n', Number(body.amount ?? 0));
    return c.text(`sent ${String(body.amount ?? '')}`);
  });
  app.on(['PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/transfer', (c) => c.text(`${c.req.method} ok`));

  const send = async (jar: CookieJar, path: string, init: RequestInit = {}) => {
    const response = await app.request(jar.request(path, init));
    jar.absorb(response);
    return response;
  };
  /** A browser that has loaded a page with a form: its cookie and token. */
  const withForm = async () => {
    const browser = new CookieJar();
    const token = await (await send(browser, '/form')).text();
    return { browser, token };
  };
  return { app, store, errors, send, withForm };
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

function multipart(fields: Record<string, string>): RequestInit {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return { method: 'POST', body: data };
}

describe('csrf(): issuing the token', () => {
  it('is lazy: pages without forms leave the session untouched; a form page creates one token and keeps it', async () => {
    const { send, store } = csrfApp();
    const browser = new CookieJar();
    const plain = await send(browser, '/plain');
    expect(plain.headers.getSetCookie()).toEqual([]);
    expect(store.calls).toEqual([]);

    await send(browser, '/visit');
    expect(store.calls.some((call) => call.value?.includes(CSRF_SESSION_KEY))).toBe(false);

    const first = await send(browser, '/form');
    const token = await first.text();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.calls.filter((call) => call.value?.includes(CSRF_SESSION_KEY))).toHaveLength(1);

    store.reset();
    const again = await send(browser, '/form');
    expect(await again.text()).toBe(token);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(store.writes()).toBe(0);
  });

  it('a new visitor gets a session with the token (login forms are protected too)', async () => {
    const { send } = csrfApp();
    const browser = new CookieJar();
    const response = await send(browser, '/form');
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(browser.cookies.has('__Host-sid')).toBe(true);
  });
});

describe('csrf(): checking unsafe requests', () => {
  it('accepts the token from a urlencoded field, a multipart field, or the header (JSON, no Content-Type)', async () => {
    const { send, withForm } = csrfApp();
    const { browser, token } = await withForm();
    const urlencoded = await send(browser, '/transfer', form({ _csrf: token, amount: '5' }));
    expect([urlencoded.status, await urlencoded.text()]).toEqual([200, 'sent 5']);
    const multi = await send(browser, '/transfer', multipart({ _csrf: token, amount: '7' }));
    expect([multi.status, await multi.text()]).toEqual([200, 'sent 7']);
    const json = await send(browser, '/transfer', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: '{"amount":9}',
    });
    expect(json.status).toBe(200);
    const bare = await send(browser, '/transfer', { method: 'POST', headers: { 'x-csrf-token': token } });
    expect(bare.status).toBe(200);
  });

  it('rejects a missing token with 403 through onError, for forms, JSON, text/plain and no Content-Type', async () => {
    const { send, withForm, errors, store } = csrfApp();
    const { browser } = await withForm();
    store.reset();
    const attempts: RequestInit[] = [
      form({ amount: '5' }),
      multipart({ amount: '5' }),
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":5}' },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '_csrf=whatever' },
      { method: 'POST', body: new Uint8Array([97, 61, 49]) }, // no Content-Type at all
      { method: 'POST' },
    ];
    for (const init of attempts) {
      const response = await send(browser, '/transfer', init);
      expect(response.status, JSON.stringify(init.headers ?? null)).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(errors).toHaveLength(attempts.length);
    expect(errors.every((e) => e instanceof HTTPException && e.status === 403)).toBe(true);
    expect(store.writes()).toBe(0);
  });

  it('rejects a wrong token, another session’s token, an oversized one and a token sent without a session', async () => {
    const { send, withForm } = csrfApp();
    const { browser, token } = await withForm();
    const other = await withForm();
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const candidate of [wrong, other.token, token + 'x', 'x'.repeat(10_000), '']) {
      expect((await send(browser, '/transfer', form({ _csrf: candidate }))).status).toBe(403);
    }
    expect((await send(new CookieJar(), '/transfer', form({ _csrf: token }))).status).toBe(403);
    expect((await send(browser, '/transfer', form({ _csrf: token }))).status).toBe(200);
  });

  it('a malformed multipart body is a 403, not a 500', async () => {
    const { send, withForm } = csrfApp();
    const { browser } = await withForm();
    const response = await send(browser, '/transfer', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=nope' },
      body: 'garbage without any boundary',
    });
    expect(response.status).toBe(403);
  });

  it('exempts GET, HEAD and OPTIONS; checks PUT, PATCH and DELETE', async () => {
    const { send, withForm, store } = csrfApp();
    const stranger = new CookieJar();
    for (const method of ['GET', 'HEAD'] as const)
      expect((await send(stranger, '/plain', { method })).status).toBe(200);
    expect((await send(stranger, '/transfer', { method: 'OPTIONS' })).status).toBe(200);
    expect(store.calls).toEqual([]);
    const { browser, token } = await withForm();
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await send(browser, '/transfer', { method })).status, method).toBe(403);
      expect(
        (await send(browser, '/transfer', { method, headers: { 'x-csrf-token': token } })).status,
        method,
      ).toBe(200);
    }
  });

  it('honours custom header and field names, and refuses bad ones at construction', async () => {
    const { send, withForm } = csrfApp({ csrf: { headerName: 'X-XSRF', fieldName: 'authenticity_token' } });
    const { browser, token } = await withForm();
    expect((await send(browser, '/transfer', form({ _csrf: token }))).status).toBe(403);
    expect((await send(browser, '/transfer', form({ authenticity_token: token }))).status).toBe(200);
    expect((await send(browser, '/transfer', { method: 'POST', headers: { 'x-xsrf': token } })).status).toBe(
      200,
    );
    expect(() => csrf({ headerName: 'bad header' })).toThrow(/option headerName/);
    expect(() => csrf({ fieldName: '' })).toThrow(/option fieldName/);
  });

  it('without session() mounted, unsafe requests fail loudly (500), never pass', async () => {
    const errors: Error[] = [];
    const app = new Hono();
    app.onError((error, c) => {
      errors.push(error);
      return c.text('misconfigured', 500);
    });
    app.use(csrf());
    app.post('/x', (c) => c.text('ran'));
    const response = await app.request('/x', { method: 'POST' });
    expect(response.status).toBe(500);
    expect(errors[0]?.message).toMatch(/getSession: no session/);
  });
});

describe('csrf(): the token across login and logout', () => {
  it('is rotated by regenerate() at login: the pre-login token stops working, the new page’s works', async () => {
    const { send, withForm } = csrfApp();
    const { browser, token: before } = await withForm();
    expect((await send(browser, '/login', form({ _csrf: before }))).status).toBe(200);
    expect((await send(browser, '/transfer', form({ _csrf: before }))).status).toBe(403);
    const after = await (await send(browser, '/form')).text();
    expect(after).not.toBe(before);
    expect((await send(browser, '/transfer', form({ _csrf: after, amount: '1' }))).status).toBe(200);
    // Stable from then on: many requests, one token.
    expect(await (await send(browser, '/form')).text()).toBe(after);
    expect((await send(browser, '/transfer', form({ _csrf: after }))).status).toBe(200);
  });

  it('dies with the session at logout', async () => {
    const { send, withForm } = csrfApp();
    const { browser, token } = await withForm();
    expect((await send(browser, '/logout', form({ _csrf: token }))).status).toBe(200);
    expect((await send(browser, '/transfer', form({ _csrf: token }))).status).toBe(403);
  });
});

describe('csrf() with hono/csrf (Origin / Sec-Fetch-Site) in front', () => {
  it('hono/csrf stops cross-site forms before any session read; the token covers what it lets through', async () => {
    const { send, withForm, store } = csrfApp({ withOriginCheck: true });
    const { browser, token } = await withForm();
    store.reset();
    const crossSite = await send(browser, '/transfer', {
      ...form({ _csrf: token }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(store.calls).toEqual([]);

    // Same origin but no token (e.g. a same-site attacker page the Origin check allowed): the token check refuses.
    const sameOrigin = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
    expect((await send(browser, '/transfer', { ...form({}), headers: sameOrigin })).status).toBe(403);
    // JSON is outside hono/csrf's scope (it relies on CORS preflight); the token check still applies.
    expect(
      (
        await send(browser, '/transfer', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    expect(
      (await send(browser, '/transfer', { ...form({ _csrf: token }), headers: sameOrigin })).status,
    ).toBe(200);
  });
});
