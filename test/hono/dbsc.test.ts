/**
 * Device Bound Session Credentials through the Hono `session()` middleware:
 * the endpoints answer before the app's routes, and the simulated DBSC
 * browser registers, refreshes, and outlives a stolen cookie jar.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { getSession, session, type SessionEnv } from '../../src/hono/index.ts';
import { createSessionManager, deviceBoundSessions, MemoryStore } from '../../src/index.ts';
import { DbscBrowser, makeKeys, replay, signJws } from '../session/dbsc-browser.ts';
import { Clock, SECRET } from '../session/helpers.ts';

type Data = { userId?: string };

function app(options: { ready?: boolean } = {}) {
  const clock = new Clock();
  const store = new MemoryStore({ now: clock.now });
  const common = {
    secrets: SECRET,
    store,
    now: clock.now,
    deviceBoundSessions: deviceBoundSessions({
      registrationPath: '/auth/dbsc',
      refreshPath: '/auth/dbsc/refresh',
    }),
  };
  const hono = new Hono<SessionEnv<Data>>();
  hono.use(options.ready ? session(createSessionManager<Data>(common)) : session<Data>(common));
  hono.post('/login', async (c) => {
    const s = getSession(c);
    await s.regenerate();
    s.set('userId', 'ada');
    return c.text('welcome');
  });
  // A route at the endpoint's path never runs: the middleware answers first.
  hono.post('/auth/dbsc/refresh', (c) => c.text('app route'));
  hono.get('/', async (c) => {
    const s = getSession(c);
    return c.json({
      userId: (await s.get('userId')) ?? null,
      deviceBound: (await s.info()).deviceBound === true,
    });
  });
  const fetch = async (request: Request) => hono.fetch(request);
  return { clock, fetch };
}

describe.each([
  ['options', false],
  ['a ready manager', true],
])('session() with deviceBoundSessions, given %s', (_label, ready) => {
  it('registers at login, refreshes with the device key, and a stolen jar dies at maxAge', async () => {
    const { clock, fetch } = app({ ready });
    const browser = new DbscBrowser(fetch, clock.now);
    await browser.fetch('/login', { method: 'POST' });
    expect(browser.log).toEqual(['POST /login 200', 'POST /auth/dbsc 200']);
    expect(await (await browser.fetch('/')).json()).toEqual({ userId: 'ada', deviceBound: true });

    const stolen = browser.steal();
    clock.advance(601);
    expect(await (await browser.fetch('/')).json()).toEqual({ userId: 'ada', deviceBound: true });
    expect(browser.log.slice(-3)).toEqual([
      'POST /auth/dbsc/refresh 403',
      'POST /auth/dbsc/refresh 200',
      'GET / 200',
    ]);

    expect(await (await replay(fetch, stolen)).json()).toEqual({ userId: null, deviceBound: false });
    const [bound] = [...browser.sessions.values()];
    const id = { 'sec-secure-session-id': `"${bound!.id}"` };
    const asked = await replay(fetch, stolen, '/auth/dbsc/refresh', { method: 'POST', headers: id });
    expect(asked.status).toBe(403);
    const jti = /^"([^"]+)"/.exec(asked.headers.get('secure-session-challenge')!)![1];
    const forged = await signJws(await makeKeys('ES256'), 'ES256', { typ: 'dbsc+jwt' }, { jti });
    const refused = await replay(fetch, stolen, '/auth/dbsc/refresh', {
      method: 'POST',
      headers: { ...id, 'secure-session-response': `"${forged}"` },
    });
    expect(refused.status).toBe(401);
    expect(await (await replay(fetch, stolen)).json()).toEqual({ userId: null, deviceBound: false });
  });

  it('a browser without DBSC is unchanged', async () => {
    const { clock, fetch } = app({ ready });
    const browser = new DbscBrowser(fetch, clock.now, { alg: undefined });
    await browser.fetch('/login', { method: 'POST' });
    clock.advance(601);
    expect(await (await browser.fetch('/')).json()).toEqual({ userId: 'ada', deviceBound: false });
    expect(browser.log).toEqual(['POST /login 200', 'GET / 200']);
  });
});
