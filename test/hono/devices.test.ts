import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.ts';
import {
  listSessions,
  requireFresh,
  revokeOtherSessions,
  revokeSession,
  session,
  type SessionEnv,
} from '../../src/hono/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';

type Data = { userId?: string };

function app(now: () => number = Date.now) {
  const app = new Hono<SessionEnv<Data>>();
  app.use(session<Data>({ secrets: SECRET, store: new MemoryStore(), now }));
  app.post('/login/:user', async (c) => {
    await c.var.session.regenerate();
    c.var.session.set('userId', c.req.param('user'));
    return c.text('ok');
  });
  app.get('/devices', async (c) => c.json(await listSessions(c)));
  app.post('/revoke/:handle', async (c) => c.json(await revokeSession(c, c.req.param('handle'))));
  app.post('/revoke-others', async (c) => c.json(await revokeOtherSessions(c)));
  app.get('/sensitive', requireFresh(300), (c) => c.text('fresh'));
  app.get('/sensitive-page', requireFresh(300, { redirect: '/login' }), (c) => c.text('fresh'));
  return app;
}

async function send(hono: Hono<SessionEnv<Data>>, jar: CookieJar, method: string, path: string) {
  const response = await hono.request(jar.request(path, { method }));
  jar.absorb(response);
  return response;
}

describe('your devices from a Hono context', () => {
  it("lists the user's sessions with the current one marked; revokes one (its own only) and all others", async () => {
    const hono = app();
    const [phone, laptop, intruder] = [new CookieJar(), new CookieJar(), new CookieJar()];
    await send(hono, phone, 'POST', '/login/ada');
    await send(hono, laptop, 'POST', '/login/ada');
    await send(hono, intruder, 'POST', '/login/eve');
    const listed = (await (await send(hono, phone, 'GET', '/devices')).json()) as {
      handle: string;
      current: boolean;
    }[];
    expect(listed).toHaveLength(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    const laptopHandle = listed.find((s) => !s.current)!.handle;
    // eve cannot revoke ada's session with its handle
    expect(await (await send(hono, intruder, 'POST', `/revoke/${laptopHandle}`)).json()).toBe(false);
    expect(await (await send(hono, phone, 'POST', `/revoke/${laptopHandle}`)).json()).toBe(true);
    expect(await (await send(hono, laptop, 'GET', '/devices')).json()).toEqual([]); // logged out: no list
    await send(hono, laptop, 'POST', '/login/ada');
    expect(await (await send(hono, phone, 'POST', '/revoke-others')).json()).toBe(1);
    expect(await (await send(hono, phone, 'GET', '/devices')).json()).toHaveLength(1);
    expect(await (await send(hono, new CookieJar(), 'POST', '/revoke-others')).json()).toBe(0);
  });

  it('requireFresh answers 401 (or redirects, with ?next=) once the login is older than maxAge', async () => {
    let time = Date.UTC(2030, 0, 1);
    const hono = app(() => time);
    const jar = new CookieJar();
    expect((await send(hono, jar, 'GET', '/sensitive')).status).toBe(401);
    await send(hono, jar, 'POST', '/login/ada');
    expect(await (await send(hono, jar, 'GET', '/sensitive')).text()).toBe('fresh');
    time += 301_000;
    expect((await send(hono, jar, 'GET', '/sensitive')).status).toBe(401);
    const redirect = await send(hono, jar, 'GET', '/sensitive-page?x=1');
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('/login?next=%2Fsensitive-page%3Fx%3D1');
    expect(() => requireFresh(0)).toThrow(/maxAge/);
  });
});
