/**
 * The Hono middleware's misuse-proof defaults: cross-origin protection with
 * nothing to call, named sessions side by side, and the conflicts that would
 * silently lose a session refused with a clear message.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import {
  allowCrossOrigin,
  getSession,
  requireFresh,
  session,
  type SessionEnv,
} from '../../src/hono/index.ts';
import { createSessionManager, type Session } from '../../src/index.ts';
import { CookieJar, ORIGIN, SECRET } from '../session/helpers.ts';

type User = { userId?: string };
type Admin = { adminId?: string };
type AppEnv = SessionEnv<User> & SessionEnv<Admin, { name: 'admin' }>;

function withErrors<E extends object>(app: Hono<any>) {
  const errors: Error[] = [];
  app.onError((error, c) => {
    errors.push(error);
    return error instanceof HTTPException ? error.getResponse() : c.text(`error: ${error.message}`, 500);
  });
  return errors as Error[] & E;
}

const post = (path: string, headers: Record<string, string> = {}, browser = new CookieJar()) =>
  browser.request(path, { method: 'POST', headers });

describe('session(): cross-origin requests refused by default', () => {
  function makeApp(options = {}) {
    let ran = 0;
    const app = new Hono<SessionEnv<User>>();
    withErrors(app);
    app.use(session<User>({ secrets: SECRET, ...options }));
    app.post('/transfer', (c) => {
      ran++;
      c.var.session.set('userId', 'changed');
      return c.text('done');
    });
    app.post('/webhook', allowCrossOrigin(), (c) => {
      ran++;
      return c.text('hooked');
    });
    app.use('/public/*', allowCrossOrigin());
    app.post('/public/form', (c) => {
      ran++;
      return c.text('posted');
    });
    return { app, ran: () => ran };
  }

  it('a cross-site POST gets 403 and the handler never runs; same-origin passes', async () => {
    const { app, ran } = makeApp();
    const refused = await app.request(post('/transfer', { 'sec-fetch-site': 'cross-site' }));
    expect(refused.status).toBe(403);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await app.request(post('/transfer', { origin: 'https://evil.example' }))).status).toBe(403);
    expect(ran()).toBe(0);
    expect((await app.request(post('/transfer', { 'sec-fetch-site': 'same-origin' }))).status).toBe(200);
    expect((await app.request(post('/transfer', { origin: ORIGIN }))).status).toBe(200);
    expect(ran()).toBe(2);
  });

  it('allowCrossOrigin() opts one route (or a path) out, wherever it is mounted', async () => {
    const { app, ran } = makeApp();
    expect((await app.request(post('/webhook', { 'sec-fetch-site': 'cross-site' }))).status).toBe(200);
    expect((await app.request(post('/public/form', { 'sec-fetch-site': 'cross-site' }))).status).toBe(200);
    expect(ran()).toBe(2);
  });

  it('trustedOrigins and crossOrigin: "allow" are options of session()', async () => {
    const trusted = makeApp({ trustedOrigins: ['https://admin.example'] });
    const headers = { 'sec-fetch-site': 'cross-site', origin: 'https://admin.example' };
    expect((await trusted.app.request(post('/transfer', headers))).status).toBe(200);
    const open = makeApp({ crossOrigin: 'allow' });
    expect((await open.app.request(post('/transfer', { 'sec-fetch-site': 'cross-site' }))).status).toBe(200);
  });
});

describe('named sessions side by side', () => {
  it('a user session and an admin session, each on its own key and cookie', async () => {
    const app = new Hono<AppEnv>();
    app.use(session<AppEnv>({ secrets: SECRET }));
    app.use(session<AppEnv>({ name: 'admin', secrets: SECRET, cookie: { name: '__Host-admin' } }));
    app.post('/login', (c) => {
      c.var.session.set('userId', 'ada');
      c.var.admin.set('adminId', 'root');
      return c.text('ok');
    });
    app.get('/', async (c) => {
      const admin: Session<Admin> = getSession(c, 'admin');
      return c.json({
        user: (await c.var.session.get('userId')) ?? null,
        admin: (await admin.get('adminId')) ?? null,
      });
    });
    const browser = new CookieJar();
    const login = await app.request(post('/login', { origin: ORIGIN }, browser));
    expect(
      login.headers
        .getSetCookie()
        .map((line) => line.split('=')[0])
        .sort(),
    ).toEqual(['__Host-admin', '__Host-sid']);
    browser.absorb(login);
    expect(await (await app.request(browser.request('/'))).json()).toEqual({ user: 'ada', admin: 'root' });
  });

  it('requireFresh checks the named session it is told to', async () => {
    const app = new Hono<AppEnv>();
    withErrors(app);
    app.use(session<AppEnv>({ name: 'admin', secrets: SECRET, cookie: { name: '__Host-admin' } }));
    app.post('/danger', requireFresh(300, { session: 'admin' }), (c) => c.text('done'));
    expect((await app.request(post('/danger', { origin: ORIGIN }))).status).toBe(401);
    expect(() => requireFresh(300, { sesion: 'admin' } as never)).toThrow(/did you mean "session"/);
  });

  it('a named session without its own cookie name is refused at construction', () => {
    expect(() => session({ name: 'admin', secrets: SECRET })).toThrow(
      /session named "admin" needs its own cookie\.name/,
    );
    expect(() => session({ name: 'not valid', secrets: SECRET, cookie: { name: 'a' } })).toThrow(
      /option name/,
    );
  });

  it('getSession(c, name) without that session says which middleware is missing', async () => {
    const app = new Hono();
    const errors = withErrors(app);
    app.get('/', (c) => c.text(String(getSession(c, 'admin'))));
    await app.request('/');
    expect(errors[0]!.message).toMatch(/no session named "admin".*session\(\{ name: 'admin'/);
  });
});

describe('conflicts that would lose a session are errors', () => {
  it('a second session() with another manager on a sub-app: an error saying what to do', async () => {
    const parent = new Hono<SessionEnv<User>>();
    const errors = withErrors(parent);
    parent.use(session<User>({ secrets: SECRET }));
    const sub = new Hono<SessionEnv<User>>();
    sub.use(session<User>({ secrets: SECRET }));
    sub.get('/', async (c) => c.text((await c.var.session.get('userId')) ?? 'empty'));
    parent.route('/admin', sub);
    expect((await parent.request(`${ORIGIN}/admin/`)).status).toBe(500);
    expect(errors[0]!.message).toMatch(
      /c\.var\.session is already set on this request by another session\(\) middleware/,
    );
  });

  it('the same manager mounted twice is one session, committed once', async () => {
    const manager = createSessionManager<User>({ secrets: SECRET });
    const parent = new Hono<SessionEnv<User>>();
    parent.use(session(manager));
    const sub = new Hono<SessionEnv<User>>();
    sub.use(session(manager));
    sub.get('/', (c) => {
      c.var.session.set('userId', 'ada');
      return c.text('ok');
    });
    parent.route('/sub', sub);
    const response = await parent.request(`${ORIGIN}/sub`);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it('two named sessions sharing one cookie name: an error naming both', async () => {
    const app = new Hono<AppEnv>();
    const errors = withErrors(app);
    app.use(session<AppEnv>({ secrets: SECRET, cookie: { name: '__Host-sid' } }));
    app.use(session<AppEnv>({ name: 'admin', secrets: SECRET, cookie: { name: '__Host-sid' } }));
    app.get('/', (c) => c.text('ok'));
    expect((await app.request(`${ORIGIN}/`)).status).toBe(500);
    expect(errors[0]!.message).toMatch(/c\.var\.session and c\.var\.admin both use the cookie "__Host-sid"/);
  });
});

describe('session() options', () => {
  it('an unknown option is refused with the nearest known name', () => {
    expect(() => session({ secrets: SECRET, nmae: 'admin' } as never)).toThrow(
      /session: unknown option "nmae"; did you mean "name"/,
    );
    expect(() => session(createSessionManager({ secrets: SECRET }), { nam: 'x' } as never)).toThrow(
      /unknown option "nam"/,
    );
  });

  it('on Workers the first request checks the secret, even on a route that never touches the session', async () => {
    type Env = SessionEnv<User, { bindings: { SESSION_SECRET?: string } }>;
    const app = new Hono<Env>();
    const errors = withErrors(app);
    app.use(session<Env>({ secrets: (c) => [c.env.SESSION_SECRET!] }));
    app.get('/static', (c) => c.text('static'));
    expect((await app.request(`${ORIGIN}/static`, {}, {})).status).toBe(500);
    expect(errors[0]!.message).toMatch(/secret 0 is undefined.*wrangler secret put/);
    expect((await app.request(`${ORIGIN}/static`, {}, { SESSION_SECRET: SECRET })).status).toBe(200);
  });
});
