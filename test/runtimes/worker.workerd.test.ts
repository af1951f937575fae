import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import devVarsExample from '../../.dev.vars.example?raw';
import app, { type Bindings } from '../../examples/worker/src/index.ts';
import { POLICY_VERSION } from '../../examples/worker/src/cookies.ts';
import { CONSENT_PURPOSES, createConsent } from '../../src/index.ts';
import { CookieJar } from '../session/helpers.ts';
import { runScenario } from './scenario.ts';

const BASE = 'https://demo.example';
const SECRET = 'worker-demo-test-secret-0123456789-abcdef';

function bindings(store: 'durable-object' | 'kv', secret: string | undefined = SECRET): Bindings {
  return {
    SESSIONS: env.SESSIONS_DO,
    SESSIONS_KV: env.SESSIONS_KV,
    SESSION_STORE: store,
    ...(secret ? { SESSION_SECRET: secret } : {}),
  };
}

describe('the demo Worker inside workerd', () => {
  for (const store of ['durable-object', 'kv'] as const) {
    it(
      `passes the session scenario with the ${store} store, remember me and expiry included`,
      () =>
        runScenario(
          BASE,
          async (request) => app.fetch(request, { ...bindings(store), SESSION_IDLE_TIMEOUT: '2' }),
          { form: true, idleTimeout: 2 },
        ),
      20_000,
    );
  }

  /** A browser-like client: cookie jar, Origin on posts, the login form's CSRF token. */
  function client(
    store: 'durable-object' | 'kv' = 'durable-object',
    base = BASE,
    secret?: string,
    extraHeaders: Record<string, string> = {},
  ) {
    const jar = new CookieJar();
    const send = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
      if (jar.cookies.size > 0) headers.set('cookie', jar.header());
      if (init.method === 'POST') headers.set('origin', base);
      const response = await app.fetch(
        new Request(new URL(path, base), { ...init, headers, redirect: 'manual' }),
        bindings(store, secret),
      );
      jar.absorb(response);
      return response;
    };
    const token = async (path = '/login') =>
      /name="_csrf" value="([^"]+)"/.exec(await (await send(path)).text())![1]!;
    const post = async (path: string, fields: Record<string, string>, tokenPath?: string) =>
      send(path, { method: 'POST', body: new URLSearchParams({ ...fields, _csrf: await token(tokenPath) }) });
    return { jar, send, post };
  }

  it('login flashes a welcome once, and refuses empty or over-long names with a 400 page', async () => {
    const { send, post } = client();
    expect((await post('/login', { username: '' })).status).toBe(400);
    const long = await post('/login', { username: 'x'.repeat(65) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('at most 64 characters');
    expect((await post('/login', { username: '<b>ada</b>' })).status).toBe(302);
    const page = await (await send('/')).text();
    expect(page).toContain('Logged in as <span id="user">&lt;b&gt;ada&lt;/b&gt;</span>');
    expect(page).toContain('Welcome, &lt;b&gt;ada&lt;/b&gt;');
    expect(await (await send('/')).text()).not.toContain('Welcome');
  });

  it('forms without the session CSRF token, or from another origin, get a 403', async () => {
    const { send } = client();
    await send('/login');
    const noToken = await send('/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'mallory' }),
    });
    expect(noToken.status).toBe(403);
    const crossSite = await app.fetch(
      new Request(`${BASE}/cart/add`, {
        method: 'POST',
        body: new URLSearchParams({ item: 'x' }),
        headers: { origin: 'https://evil.example' },
      }),
      bindings('durable-object'),
    );
    expect(crossSite.status).toBe(403);
  });

  it('remembers the theme in a signed one-year cookie once preferences are allowed, and refuses other themes', async () => {
    const { jar, send, post } = client();
    expect((await post('/consent', { choice: 'all' }, '/consent')).status).toBe(302);
    const set = await send('/prefs?theme=dark');
    expect(set.status).toBe(302);
    expect(set.headers.getSetCookie().find((l) => l.startsWith('theme='))).toMatch(
      /Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax/,
    );
    expect(await (await send('/')).text()).toContain('data-theme="dark"');
    jar.cookies.set('theme', jar.cookies.get('theme')!.replace('dark', 'light'));
    expect(await (await send('/')).text()).toContain('data-theme="light"'); // forged: ignored
    const bad = await send('/prefs?theme=neon');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('must be &quot;dark&quot; or &quot;light&quot;');
  });

  describe('consent and Global Privacy Control', () => {
    const themeLine = (response: Response) =>
      response.headers.getSetCookie().find((l) => l.startsWith('theme='));
    const report = (response: Response) => response.headers.get('x-cookie-purposes') ?? '';

    it('shows a banner until the visitor chooses; a declined visitor never receives theme nor campaign', async () => {
      const { jar, send, post } = client();
      const first = await send('/');
      expect(await first.text()).toContain('id="consent-banner"');
      expect(report(first)).toBe('campaign=marketing;blocked=not-granted');
      expect(first.headers.getSetCookie()).toEqual([]); // an anonymous visit: no session, no campaign
      const declined = await post('/consent', { choice: 'none' }, '/consent');
      expect(declined.status).toBe(302);
      expect(jar.cookies.has('consent')).toBe(true);
      const prefs = await send('/prefs?theme=dark');
      expect(prefs.headers.get('location')).toBe('/consent?for=theme');
      expect(themeLine(prefs)).toBeUndefined();
      expect(report(prefs)).toContain('theme=preferences;blocked=not-granted');
      const home = await send('/');
      const page = await home.text();
      expect(page).not.toContain('id="consent-banner"');
      expect(page).toContain('data-theme="light"');
      // The session and the choice: the demo keeps no read cache copy unless asked (logout stays final).
      expect([...jar.cookies.keys()].sort()).toEqual(['__Host-sid', 'consent']);
      expect(await (await send('/consent?for=theme')).text()).toContain(
        'To remember your theme, allow preferences',
      );
    });

    it('accepting sets theme and campaign; declining afterwards deletes them', async () => {
      const { jar, send, post } = client();
      await post('/consent', { choice: 'all' }, '/consent');
      await send('/prefs?theme=dark');
      expect(await (await send('/')).text()).toContain('data-theme="dark"');
      expect(jar.cookies.get('campaign')).toBe('spring-demo');
      expect(await (await send('/consent')).text()).toContain(
        '<span id="consent-choice">accepted (preferences, analytics, marketing)</span>',
      );
      await post('/consent', { choice: 'none' }, '/consent');
      expect(jar.cookies.has('theme')).toBe(false);
      expect(jar.cookies.has('campaign')).toBe(false);
      expect(await (await send('/')).text()).toContain('data-theme="light"');
    });

    it('with Sec-GPC: 1 the campaign cookie never leaves, even after accepting all; one already held is deleted', async () => {
      const gpc = client('durable-object', BASE, undefined, { 'Sec-GPC': '1' });
      expect(await (await gpc.send('/')).text()).toContain('Your browser sends Global Privacy Control');
      await gpc.post('/consent', { choice: 'all' }, '/consent');
      const home = await gpc.send('/');
      expect(report(home)).toContain('campaign=marketing;blocked=gpc');
      expect(gpc.jar.cookies.has('campaign')).toBe(false);
      await gpc.send('/prefs?theme=dark');
      expect(gpc.jar.cookies.has('theme')).toBe(true); // GPC withdraws marketing only

      const plain = client();
      await plain.post('/consent', { choice: 'all' }, '/consent');
      await plain.send('/');
      expect(plain.jar.cookies.has('campaign')).toBe(true);
      const held = await app.fetch(
        new Request(`${BASE}/cart`, { headers: { cookie: plain.jar.header(), 'sec-gpc': '1' } }),
        bindings('durable-object'),
      );
      expect(held.headers.getSetCookie()).toContain('campaign=; Max-Age=0; Path=/; SameSite=Lax');
    });

    it('a tampered consent cookie, or one given under another policy version, is no choice', async () => {
      const { jar, send, post } = client();
      await post('/consent', { choice: 'all' }, '/consent');
      const value = jar.cookies.get('consent')!;
      jar.cookies.set('consent', value.replace('marketing', 'marketinG'));
      expect(await (await send('/')).text()).toContain('id="consent-banner"');
      expect(jar.cookies.has('campaign')).toBe(false);
      const old = createConsent({ secrets: SECRET, policyVersion: `${POLICY_VERSION}-old` });
      const headers = new Headers();
      await old.set(headers, CONSENT_PURPOSES);
      jar.absorb(headers);
      expect(await (await send('/')).text()).toContain('id="consent-banner"');
      expect(jar.cookies.has('campaign')).toBe(false);
    });

    it('lists the cookies of the site in a policy table, and refuses an unknown choice', async () => {
      const { send, post } = client();
      const page = await (await send('/consent')).text();
      expect(page).toMatch(/<td><code>consent<\/code><\/td><td>Strictly necessary<\/td>.*<td>180 days<\/td>/);
      expect(page).toMatch(/<td><code>theme<\/code><\/td><td>Preferences<\/td>.*<td>1 year<\/td>/);
      expect(page).toMatch(/<td><code>campaign<\/code><\/td><td>Marketing<\/td>.*<td>30 days<\/td>/);
      expect((await post('/consent', { choice: 'everything' }, '/consent')).status).toBe(400);
    });
  });

  it('20 concurrent adds to one cart on the Durable Object store keep all 20', async () => {
    const { send, post } = client('durable-object');
    expect((await post('/cart/add', { item: 'first' }, '/cart')).status).toBe(302);
    const token = /name="_csrf" value="([^"]+)"/.exec(await (await send('/cart')).text())![1]!;
    const adds = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send('/cart/add', { method: 'POST', body: new URLSearchParams({ item: `item-${i}`, _csrf: token }) }),
      ),
    );
    expect(adds.map((r) => r.status)).toEqual(Array(20).fill(302));
    const page = await (await send('/cart')).text();
    for (let i = 0; i < 20; i++) expect(page).toContain(`<li>item-${i}</li>`);
    expect(page.match(/<li>/g)).toHaveLength(21);
  });

  it('keeps a cart across requests', async () => {
    const { send, post } = client('kv');
    expect((await post('/cart/add', { item: 'apple' }, '/cart')).status).toBe(302);
    expect((await post('/cart/add', { item: 'pear' }, '/cart')).status).toBe(302);
    expect(await (await send('/cart')).text()).toContain('<li>apple</li><li>pear</li>');
    expect((await post('/cart/add', { item: '' }, '/cart')).status).toBe(400);
  });

  it('logs out only by a POST with the CSRF token; GET /logout asks first', async () => {
    const { send, post } = client();
    expect((await post('/login', { username: 'ada' })).status).toBe(302);
    const confirm = await send('/logout');
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toMatch(
      /Log out <span id="user">ada<\/span>\?[\s\S]*<form method="post" action="\/logout">/,
    );
    expect(await (await send('/')).text()).toContain('Logged in as');
    // A cross-site form, and a same-site one without the token, are refused.
    const crossSite = await send('/logout', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(crossSite.status).toBe(403);
    expect((await send('/logout', { method: 'POST', body: new URLSearchParams() })).status).toBe(403);
    expect(await (await send('/')).text()).toContain('Logged in as');
    const logout = await post('/logout', {}, '/');
    expect(logout.status).toBe(302);
    expect(await (await send('/')).text()).toContain('You are not logged in');
    expect((await send('/logout')).status).toBe(302); // nothing to confirm
  });

  describe('secrets', () => {
    afterEach(() => vi.restoreAllMocks());

    it('falls back to a development secret only for local requests, and says so', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const local = client('durable-object', 'http://localhost:8787', '');
      expect((await local.send('/login')).status).toBe(200);
      expect(warn.mock.calls.flat().join('\n')).toMatch(/development-only secret/);
    });

    it('answers a remote request without SESSION_SECRET with a 500 page that says how to set it', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      const response = await client('durable-object', BASE, '').send('/login');
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain('SESSION_SECRET is not set');
      expect(page).toContain('npx wrangler secret put SESSION_SECRET');
      expect(error).toHaveBeenCalledWith(expect.stringContaining('SESSION_SECRET is not set'));
    });

    it('refuses the placeholder secret of .dev.vars.example, locally too', async () => {
      const placeholder = /^SESSION_SECRET=(.+)$/m.exec(devVarsExample)![1]!;
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      for (const base of ['http://localhost:8787', BASE]) {
        const response = await client('durable-object', base, placeholder).send('/');
        expect(response.status).toBe(500);
        expect(await response.text()).toContain('placeholder from .dev.vars.example');
      }
      expect(error).toHaveBeenCalledTimes(2);
    });
  });
});
