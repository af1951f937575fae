/**
 * Cross-origin protection in `manager.handle()`: on by default, nothing to
 * call (so nothing to forget to await), as Go 1.25's CrossOriginProtection.
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager, csrfToken } from '../../src/index.ts';
import { CookieJar, ORIGIN, SECRET } from './helpers.ts';

type Data = { user?: string; n?: number };

function app(options: Parameters<typeof createSessionManager<Data>>[0] = { secrets: SECRET }, route = {}) {
  const manager = createSessionManager<Data>(options);
  let ran = 0;
  const handler = manager.handle(async (_request, _env, _ctx, session) => {
    ran++;
    session.increment('n');
    return new Response('done');
  }, route);
  const send = (headers: Record<string, string>, method = 'POST', browser = new CookieJar()) =>
    handler(browser.request('/transfer', { method, headers }), undefined, undefined);
  return { manager, send, ran: () => ran };
}

describe('handle(): cross-origin requests are refused before the handler runs', () => {
  it('Sec-Fetch-Site cross-site or same-site: 403, the handler never runs', async () => {
    const { send, ran } = app();
    for (const site of ['cross-site', 'same-site']) {
      const response = await send({ 'sec-fetch-site': site, origin: 'https://evil.example' });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/cross-origin/);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(ran()).toBe(0);
  });

  it('same-origin and none (typed in the address bar) pass; safe methods always pass', async () => {
    const { send, ran } = app();
    expect((await send({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await send({ 'sec-fetch-site': 'none' })).status).toBe(200);
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect((await send({ 'sec-fetch-site': 'cross-site' }, method)).status).toBe(200);
    }
    expect(ran()).toBe(5);
  });

  it('without Sec-Fetch-Site, Origin must name the request host', async () => {
    const { send } = app();
    expect((await send({ origin: ORIGIN })).status).toBe(200);
    expect((await send({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await send({ origin: 'null' })).status).toBe(403);
    expect((await send({ origin: 'not a url' })).status).toBe(403);
  });

  it('neither header: allowed, unless the session has a CSRF token, which must then come back', async () => {
    const { manager, send } = app();
    expect((await send({})).status).toBe(200);
    // A session that was given a token (the app uses tokens).
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    const token = await csrfToken(first);
    browser.absorb(await manager.commit(first, new Response()));
    expect((await send({}, 'POST', browser)).status).toBe(403);
    expect((await send({ 'x-csrf-token': token }, 'POST', browser)).status).toBe(200);
  });

  it('trustedOrigins are let through; a malformed one is refused at construction', async () => {
    const { send } = app({ secrets: SECRET, trustedOrigins: ['https://admin.example'] });
    expect((await send({ 'sec-fetch-site': 'cross-site', origin: 'https://admin.example' })).status).toBe(
      200,
    );
    expect((await send({ origin: 'https://ADMIN.example' })).status).toBe(200);
    expect((await send({ 'sec-fetch-site': 'cross-site', origin: 'https://other.example' })).status).toBe(
      403,
    );
    for (const bad of ['https://admin.example/path', 'admin.example', 'https://a.example?x', 42]) {
      expect(() => createSessionManager({ secrets: SECRET, trustedOrigins: [bad as string] })).toThrow(
        /option trustedOrigins: .* is not an origin/,
      );
    }
  });

  it('one route opts out explicitly: handle(handler, { crossOrigin: "allow" })', async () => {
    const { send, ran } = app({ secrets: SECRET }, { crossOrigin: 'allow' });
    expect((await send({ 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect(ran()).toBe(1);
    expect(() =>
      createSessionManager({ secrets: SECRET }).handle(() => new Response(), { crossOrigin: 'off' as never }),
    ).toThrow(/option crossOrigin/);
  });

  it('sessions that travel in a header are exempt (browsers never send that header cross-site)', async () => {
    const manager = createSessionManager<Data>({
      secrets: SECRET,
      sessionToken: { header: 'authorization' },
    });
    const first = manager.load(new Request(`${ORIGIN}/`));
    first.set('user', 'ada');
    await manager.commit(first, new Response());
    const token = await first.token();
    const handler = manager.handle(
      async (_r, _e, _c, session) => new Response((await session.get('user')) ?? ''),
    );
    const response = await handler(
      new Request(`${ORIGIN}/api`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' },
      }),
    );
    expect(await response.text()).toBe('ada');
  });
});

describe('handle(): requireFresh answers by itself', () => {
  async function signedIn(route: object) {
    const clock = { now: Date.UTC(2030, 0, 1) };
    const manager = createSessionManager<Data>({ secrets: SECRET, now: () => clock.now });
    const browser = new CookieJar();
    const login = manager.load(browser.request());
    login.set('user', 'ada');
    await login.regenerate();
    browser.absorb(await manager.commit(login, new Response()));
    let ran = 0;
    const handler = manager.handle(async () => {
      ran++;
      return new Response('changed');
    }, route);
    const send = () =>
      handler(browser.request('/password?x=1', { method: 'POST', headers: { origin: ORIGIN } }));
    return { clock, send, ran: () => ran };
  }

  it('a stale session gets 401 and the handler never runs; a fresh one passes', async () => {
    const { clock, send, ran } = await signedIn({ requireFresh: 300 });
    expect((await send()).status).toBe(200);
    clock.now += 301_000;
    expect((await send()).status).toBe(401);
    expect(ran()).toBe(1);
  });

  it('with redirect: a 303 to the prompt, the original path in ?next=', async () => {
    const { clock, send } = await signedIn({ requireFresh: { maxAge: 300, redirect: '/reauth' } });
    clock.now += 301_000;
    const response = await send();
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/reauth?next=%2Fpassword%3Fx%3D1');
  });

  it('bad route options are refused, naming the option', () => {
    const manager = createSessionManager({ secrets: SECRET });
    const handler = () => new Response();
    expect(() => manager.handle(handler, { requireFresh: 0 })).toThrow(/requireFresh: maxAge/);
    expect(() => manager.handle(handler, { requirefresh: 300 } as never)).toThrow(
      /unknown option "requirefresh"; did you mean "requireFresh"/,
    );
    expect(() => manager.handle(handler, { requireFresh: { maxAge: 60, redirct: '/x' } } as never)).toThrow(
      /unknown option "requireFresh.redirct"; did you mean "requireFresh.redirect"/,
    );
  });
});

describe('manager.revokeOtherSessions(session)', () => {
  it('signs out every other session of the user, keeps this one', async () => {
    const manager = createSessionManager<{ userId?: string }>({ secrets: SECRET });
    const browsers = [new CookieJar(), new CookieJar(), new CookieJar()];
    for (const browser of browsers) {
      const session = manager.load(browser.request());
      session.set('userId', 'ada');
      browser.absorb(await manager.commit(session, new Response()));
    }
    const here = manager.load(browsers[0]!.request());
    expect(await manager.revokeOtherSessions(here)).toBe(2);
    expect(await manager.load(browsers[0]!.request()).get('userId')).toBe('ada');
    expect(await manager.load(browsers[1]!.request()).get('userId')).toBeUndefined();
    expect(await manager.revokeOtherSessions(manager.load(new CookieJar().request()))).toBe(0);
  });
});
