/**
 * Device Bound Session Credentials (W3C DBSC) through `handle()`, with a
 * simulated DBSC browser (dbsc-browser.ts): registration at login, refresh
 * with a challenge, a stolen cookie jar that dies at the bound cookie's
 * lifetime, and every refusal — wrong key, replayed, expired or foreign
 * challenge, a proof for another session, malformed proofs.
 */
import { describe, expect, it } from 'vitest';
import {
  CookieStore,
  createSessionManager,
  deviceBoundSessions,
  MemoryStore,
  readCache,
  type Session,
  type DeviceBoundSessionsOptions,
  type SessionManagerOptions,
} from '../../src/index.ts';
import { DbscBrowser, makeKeys, publicJwk, replay, signJws, type Fetch } from './dbsc-browser.ts';
import { Clock, CookieJar, ORIGIN, SECRET, SpyStore } from './helpers.ts';

type Data = { userId?: string; note?: string };
const BOUND = '__Host-sid.bound';

function setup(dbsc: DeviceBoundSessionsOptions = {}, options: Partial<SessionManagerOptions> = {}) {
  const clock = new Clock();
  const store = new SpyStore({ now: clock.now, indexed: true, move: true });
  const manager = createSessionManager<Data>({
    secrets: SECRET,
    store,
    now: clock.now,
    deviceBoundSessions: deviceBoundSessions(dbsc),
    ...options,
  });
  const app: Fetch = manager.handle(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    if (url.pathname === '/logout') {
      await session.destroy();
      return new Response('bye');
    }
    if (url.pathname === '/login') {
      await session.regenerate();
      session.set('userId', 'ada');
      return new Response('welcome');
    }
    // A write without a read: it must not reach a bound session the request may not use.
    if (url.pathname === '/note') {
      session.set('note', url.searchParams.get('v') ?? '');
      return new Response('noted');
    }
    const info = (await session.has('userId')) ? await session.info() : undefined;
    return Response.json({
      userId: (await session.get('userId')) ?? null,
      note: (await session.get('note')) ?? null,
      deviceBound: info?.deviceBound === true,
    });
  });
  /** A DBSC browser signing with `alg`; `'no DBSC'` is a browser without it. */
  type Kind = 'ES256' | 'RS256' | 'no DBSC';
  const browser = (kind: Kind = 'ES256') =>
    new DbscBrowser(app, clock.now, { alg: kind === 'no DBSC' ? undefined : kind });
  const login = async (alg?: Kind) => {
    const b = browser(alg);
    await b.fetch('/login', { method: 'POST' });
    return b;
  };
  const page = async (b: DbscBrowser) => (await b.fetch('/')).json();
  return { clock, store, manager, app, browser, login, page };
}

/** POSTs to the refresh endpoint as `cookies` with these headers; returns the response. */
/** A manager on MemoryStore with DBSC on or off, and a request that commits into a cookie jar. */
function engineWith(dbsc: boolean, options: Partial<SessionManagerOptions>) {
  const clock = new Clock();
  const manager = createSessionManager<Data>({
    secrets: SECRET,
    store: new MemoryStore({ now: clock.now }),
    now: clock.now,
    ...options,
    ...(dbsc ? { deviceBoundSessions: deviceBoundSessions() } : {}),
  });
  const send = async <T>(jar: CookieJar, act: (session: Session<Data>) => T | Promise<T>) => {
    const session = manager.load(jar.request('/'));
    const result = await act(session);
    jar.absorb(await manager.commit(session, new Response()));
    return result;
  };
  return { clock, manager, send };
}

/** A logged-in browser that has not registered yet, and the registration challenge its login was offered. */
async function loggedIn() {
  const s = setup();
  const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
  const jti = /challenge="([^"]+)"/.exec(response.headers.get('secure-session-registration')!)![1]!;
  const b = s.browser();
  b.absorb(response);
  return { s, b, jti };
}

function refreshAs(app: Fetch, cookies: Map<string, string>, headers: Record<string, string>) {
  return replay(app, cookies, '/dbsc/refresh', { method: 'POST', headers });
}

const challengeOf = (response: Response) =>
  /^"([^"]*)";id="([^"]*)"$/.exec(response.headers.get('secure-session-challenge') ?? '')?.[1];

describe('DBSC registration', () => {
  it('login offers registration; the browser registers a key and gets a bound cookie', async () => {
    const { login, page, store } = setup();
    const b = await login();
    expect(b.log).toEqual(['POST /login 200', 'POST /dbsc/register 200']);
    expect(b.sessions.size).toBe(1);
    const [session] = [...b.sessions.values()];
    expect(session!.refreshUrl).toBe('/dbsc/refresh');
    expect(session!.cookieName).toBe(BOUND);
    expect(session!.attributes).toBe('Path=/; HttpOnly; Secure; SameSite=Lax');
    expect(b.jar.has(BOUND)).toBe(true);
    expect(await page(b)).toEqual({ userId: 'ada', note: null, deviceBound: true });
    // The session record holds the public key, never more.
    const written = store.calls.filter(
      (call) => call.method === 'set' && call.value?.includes('deviceBound'),
    );
    expect(written).toHaveLength(1);
    const { deviceBound } = JSON.parse(written[0]!.value!);
    expect(deviceBound).toEqual({ id: session!.id, alg: 'ES256', key: await publicJwk(session!.keys) });
  });

  it('the registration header names the algorithms, the path and a fresh challenge; no-store', async () => {
    const { app } = setup({ algorithms: ['ES256'], registrationPath: '/auth/dbsc' });
    const response = await app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    const offer = response.headers.get('secure-session-registration')!;
    expect(offer).toMatch(/^\(ES256\);path="\/auth\/dbsc";challenge="[A-Za-z0-9_-]{43}"$/);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('a page that does not log in offers nothing', async () => {
    const { app } = setup();
    const response = await app(new Request(`${ORIGIN}/note?v=x`, { method: 'POST' }));
    expect(response.headers.get('secure-session-registration')).toBeNull();
  });

  it('a login by set() offers registration once; setting the same user again offers nothing', async () => {
    const clock = new Clock();
    const store = new SpyStore({ now: clock.now });
    const manager = createSessionManager<Data>({
      secrets: SECRET,
      store,
      now: clock.now,
      deviceBoundSessions: deviceBoundSessions(),
    });
    const app = manager.handle(async (request, _env, _ctx, session) => {
      await session.get('note');
      session.set('userId', new URL(request.url).searchParams.get('user') ?? 'ada');
      return new Response('ok');
    });
    const b = new DbscBrowser(app, clock.now, { alg: undefined });
    const offers = async (path: string) =>
      (await b.fetch(path, { method: 'POST' })).headers.has('secure-session-registration');
    expect(await offers('/visit')).toBe(true); // a new session with a user: a login
    expect(await offers('/visit')).toBe(false); // the same user again
    expect(await offers('/visit?user=grace')).toBe(true); // another user
    expect(await offers('/visit?user=grace')).toBe(false);
  });

  it('RS256 works as ES256 does; a server offering only ES256 gets no RS256 registration', async () => {
    const rsa = setup();
    const b = await rsa.login('RS256');
    expect(b.log).toEqual(['POST /login 200', 'POST /dbsc/register 200']);
    rsa.clock.advance(601);
    expect(await rsa.page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
    expect(b.log.slice(-3)).toEqual(['POST /dbsc/refresh 403', 'POST /dbsc/refresh 200', 'GET / 200']);

    const only = setup({ algorithms: ['ES256'] });
    const r = await only.login('RS256');
    expect(r.sessions.size).toBe(0);
    expect(await only.page(r)).toMatchObject({ userId: 'ada', deviceBound: false });
  });

  it('a browser without DBSC works exactly as before', async () => {
    const { login, page, clock } = setup();
    const b = await login('no DBSC');
    expect(b.log).toEqual(['POST /login 200']);
    expect(b.jar.has(BOUND)).toBe(false);
    clock.advance(601);
    expect(await page(b)).toEqual({ userId: 'ada', note: null, deviceBound: false });
    await b.fetch('/note?v=hi', { method: 'POST' });
    expect(await page(b)).toMatchObject({ note: 'hi' });
  });
});

describe('DBSC refresh', () => {
  it('an expired bound cookie is refreshed with a signed challenge before the request', async () => {
    const { login, page, clock } = setup();
    const b = await login();
    clock.advance(599);
    expect(await page(b)).toMatchObject({ userId: 'ada' });
    clock.advance(2);
    expect(await page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
    expect(b.log.slice(-3)).toEqual(['POST /dbsc/refresh 403', 'POST /dbsc/refresh 200', 'GET / 200']);
    // Every ten minutes, for as long as the session lives.
    for (let i = 0; i < 3; i++) {
      clock.advance(601);
      expect(await page(b)).toMatchObject({ userId: 'ada' });
    }
    expect(b.log.filter((line) => line === 'POST /dbsc/refresh 200')).toHaveLength(4);
  });

  it('the bound cookie lives cookie.maxAge seconds, under cookie.name', async () => {
    const { login, page, clock } = setup({ cookie: { maxAge: 60, name: '__Host-device' } });
    const b = await login();
    expect([...b.sessions.values()][0]!.cookieName).toBe('__Host-device');
    expect(b.jar.has('__Host-device')).toBe(true);
    clock.advance(61);
    await page(b);
    expect(b.log.slice(-2)).toEqual(['POST /dbsc/refresh 200', 'GET / 200']);
  });

  it('refresh answers are no-store, carry no CORS header, and the instructions repeat the session', async () => {
    const { login, app, clock } = setup();
    const b = await login();
    const [session] = [...b.sessions.values()];
    clock.advance(601);
    const first = await refreshAs(app, b.steal(), { 'sec-secure-session-id': `"${session!.id}"` });
    expect(first.status).toBe(403);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('access-control-allow-origin')).toBeNull();
    expect(first.headers.get('secure-session-challenge')).toBe(`"${challengeOf(first)}";id="${session!.id}"`);
    const proof = await signJws(session!.keys, 'ES256', { typ: 'dbsc+jwt' }, { jti: challengeOf(first) });
    const second = await refreshAs(app, b.steal(), {
      'sec-secure-session-id': `"${session!.id}"`,
      'secure-session-response': `"${proof}"`,
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(await second.json()).toEqual({
      session_identifier: session!.id,
      refresh_url: '/dbsc/refresh',
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: 'cookie', name: BOUND, attributes: 'Path=/; HttpOnly; Secure; SameSite=Lax' }],
    });
    expect(second.headers.getSetCookie()[0]).toMatch(
      /^__Host-sid\.bound=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    // A bare (unquoted) proof is accepted too, as Chromium sends it.
    const third = await refreshAs(app, b.steal(), { 'sec-secure-session-id': `"${session!.id}"` });
    const bare = await signJws(session!.keys, 'ES256', { typ: 'dbsc+jwt' }, { jti: challengeOf(third) });
    const fourth = await refreshAs(app, b.steal(), {
      'sec-secure-session-id': `"${session!.id}"`,
      'secure-session-response': bare,
    });
    expect(fourth.status).toBe(200);
  });

  it('regenerate() keeps the binding: no second registration, the bound cookie still works', async () => {
    const { login, page, clock } = setup();
    const b = await login();
    await b.fetch('/login', { method: 'POST' });
    expect(b.log.slice(-1)).toEqual(['POST /login 200']);
    expect(await page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
    clock.advance(601);
    expect(await page(b)).toMatchObject({ userId: 'ada' });
    expect(b.log.slice(-3)).toEqual(['POST /dbsc/refresh 403', 'POST /dbsc/refresh 200', 'GET / 200']);
  });
});

describe('DBSC against a stolen cookie jar', () => {
  it('id rotation: a copy used first rotates the value; the browser refreshes in grace, and the reuse ends the session', async () => {
    const { login, page, app, clock } = setup(
      { cookie: { maxAge: 30 } },
      { rotation: { every: 20, grace: 5 } },
    );
    const b = await login();
    clock.advance(29); // rotation due, the bound cookie one second from expiry
    const stolen = b.steal();
    const used = await replay(app, stolen);
    expect(await used.json()).toMatchObject({ userId: 'ada' });
    expect(used.headers.getSetCookie().some((line) => line.startsWith('__Host-sid='))).toBe(true); // rotated
    clock.advance(2);
    // The bound cookies have expired; the browser's value is in grace. Its device key holds the
    // session: the refresh answers it a bound cookie, so it still reads its session.
    expect(await page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
    expect(b.log.slice(-3)).toEqual(['POST /dbsc/refresh 403', 'POST /dbsc/refresh 200', 'GET / 200']);
    expect(await (await replay(app, stolen)).json()).toMatchObject({ userId: null }); // no bound cookie
    // Past grace the browser's value is a reuse: the theft ends the session for everyone.
    clock.advance(5);
    expect(await page(b)).toMatchObject({ userId: null });
  });

  it('a copied jar works at most until the bound cookie expires, and cannot be refreshed', async () => {
    const { login, page, app, clock } = setup();
    const b = await login();
    const stolen = b.steal();
    expect(stolen.has(BOUND)).toBe(true);
    expect(await (await replay(app, stolen)).json()).toMatchObject({ userId: 'ada' });
    clock.advance(601);
    // The thief keeps sending the expired bound cookie: its signed expiry refuses it.
    expect(await (await replay(app, stolen)).json()).toEqual({
      userId: null,
      note: null,
      deviceBound: false,
    });
    // The refresh needs the device key: a challenge, then the thief's own key is refused.
    const [session] = [...b.sessions.values()];
    const id = { 'sec-secure-session-id': `"${session!.id}"` };
    const asked = await refreshAs(app, stolen, id);
    expect(asked.status).toBe(403);
    const thiefKeys = await makeKeys('ES256');
    const forged = await signJws(thiefKeys, 'ES256', { typ: 'dbsc+jwt' }, { jti: challengeOf(asked) });
    const refused = await refreshAs(app, stolen, { ...id, 'secure-session-response': `"${forged}"` });
    expect(refused.status).toBe(401);
    expect(refused.headers.getSetCookie()).toEqual([]);
    // The key the thief sends along does not help either.
    const again = await refreshAs(app, stolen, id);
    const withKey = await signJws(
      thiefKeys,
      'ES256',
      { typ: 'dbsc+jwt', jwk: await publicJwk(thiefKeys) },
      { jti: challengeOf(again) },
    );
    expect((await refreshAs(app, stolen, { ...id, 'secure-session-response': `"${withKey}"` })).status).toBe(
      401,
    );
    // The thief cannot register its own key on the bound session.
    const reg = await replay(app, stolen, '/dbsc/register', {
      method: 'POST',
      headers: { 'secure-session-response': `"${withKey}"` },
    });
    expect(reg.status).toBe(400);
    // The real browser goes on.
    expect(await page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
  });

  it('a session cookie copied before registration is useless once the browser registered', async () => {
    const s = setup();
    const b = s.browser();
    const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    b.absorb(response);
    const early = b.steal(); // the session cookie alone, before the registration ran
    await b.takeUp(response);
    expect(b.sessions.size).toBe(1);
    expect(await (await replay(s.app, early)).json()).toMatchObject({ userId: null });
  });

  it('a thief cannot register its own key with a challenge it never saw', async () => {
    const s = setup();
    const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    const b = s.browser();
    b.absorb(response);
    const cookies = b.steal();
    const keys = await makeKeys('ES256');
    const guess = 'A'.repeat(43);
    const proof = await signJws(
      keys,
      'ES256',
      { typ: 'dbsc+jwt', jwk: await publicJwk(keys) },
      { jti: guess },
    );
    const reg = await replay(s.app, cookies, '/dbsc/register', {
      method: 'POST',
      headers: { 'secure-session-response': `"${proof}"` },
    });
    expect(reg.status).toBe(400);
    // The real browser still registers with its challenge.
    await b.takeUp(response);
    expect(b.sessions.size).toBe(1);
  });

  it('a blind write with the stolen session cookie does not land in the bound session', async () => {
    const { login, page, app, clock } = setup();
    const b = await login();
    const stolen = b.steal();
    clock.advance(601);
    const write = await replay(app, stolen, '/note?v=pwned', { method: 'POST' });
    expect(write.status).toBe(200);
    expect(await page(b)).toMatchObject({ userId: 'ada', note: null });
  });
});

describe('DBSC refusals', () => {
  async function bound() {
    const s = setup();
    const b = await s.login();
    const [session] = [...b.sessions.values()];
    s.clock.advance(601);
    const id = { 'sec-secure-session-id': `"${session!.id}"` };
    const challenge = async () => challengeOf(await refreshAs(s.app, b.steal(), id))!;
    const send = (proof: string, headers: Record<string, string> = id) =>
      refreshAs(s.app, b.steal(), { ...headers, 'secure-session-response': `"${proof}"` });
    const sign = (jti: string, header: Record<string, unknown> = { typ: 'dbsc+jwt' }, claims = {}) =>
      signJws(session!.keys, 'ES256', header, { jti, ...claims });
    return { ...s, b, session: session!, id, challenge, send, sign };
  }

  it('a replayed proof is refused: a challenge works once', async () => {
    const { challenge, send, sign } = await bound();
    const proof = await sign(await challenge());
    expect((await send(proof)).status).toBe(200);
    const replayed = await send(proof);
    expect(replayed.status).toBe(403);
    expect(replayed.headers.getSetCookie()).toEqual([]);
  });

  it('two refreshes with the same proof at once: one wins', async () => {
    const { challenge, send, sign } = await bound();
    const proof = await sign(await challenge());
    const statuses = (await Promise.all([send(proof), send(proof), send(proof)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 403, 403]);
  });

  it('an expired challenge is refused', async () => {
    const { challenge, send, sign, clock } = await bound();
    const jti = await challenge();
    clock.advance(61);
    expect((await send(await sign(jti))).status).toBe(403);
  });

  it('a challenge issued for another DBSC session, or a proof for another session, is refused', async () => {
    const a = await bound();
    // Another browser, another session, on the same server.
    const other = new DbscBrowser(a.app, a.clock.now);
    await other.fetch('/login', { method: 'POST' });
    const [otherSession] = [...other.sessions.values()];
    a.clock.advance(601);
    const otherId = { 'sec-secure-session-id': `"${otherSession!.id}"` };
    const foreign = challengeOf(await refreshAs(a.app, other.steal(), otherId))!;
    // A's key over B's challenge, sent as A: refused, and B's challenge survives for B.
    expect((await a.send(await a.sign(foreign))).status).toBe(403);
    // B's valid proof sent with A's cookies: the identifier is not A's session.
    const bProof = await signJws(otherSession!.keys, 'ES256', { typ: 'dbsc+jwt' }, { jti: foreign });
    expect((await a.send(bProof, otherId)).status).toBe(401);
    // B itself still refreshes with it.
    expect(
      (await refreshAs(a.app, other.steal(), { ...otherId, 'secure-session-response': `"${bProof}"` }))
        .status,
    ).toBe(200);
  });

  it('malformed proofs are refused without throwing', async () => {
    const { challenge, send, sign, session, clock } = await bound();
    const jti = await challenge();
    const good = await sign(jti);
    const [h, p, s] = good.split('.');
    const b64 = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const cases = [
      `${b64({ alg: 'none', typ: 'dbsc+jwt' })}.${p}.`,
      `${b64({ alg: 'none', typ: 'dbsc+jwt' })}.${p}.${s}`,
      `${b64({ alg: 'RS256', typ: 'dbsc+jwt' })}.${p}.${s}`,
      await sign(jti, { typ: 'JWT' }),
      await sign(jti, { typ: 'dbsc+jwt', crit: ['exp'] }),
      `${good}.extra`,
      `${h}.${p}`,
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}A`,
      `${h}.${p}.${s!.slice(0, -2)}`,
      `${h}.${b64({ jti: 42 })}.${s}`,
      `${h}.${b64({ jti, aud: 'https://evil.example/dbsc/refresh' })}.${s}`,
      await sign(jti, { typ: 'dbsc+jwt' }, { exp: Math.floor(clock.now() / 1000) - 1 }),
      await sign(jti, { typ: 'dbsc+jwt' }, { exp: 'never' }),
      `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`,
      'not a jwt',
      '',
    ];
    for (const proof of cases) {
      const response = await send(proof);
      expect(response.status, proof).toBeGreaterThanOrEqual(400);
      expect(response.headers.getSetCookie(), proof).toEqual([]);
    }
    // The challenge was never used up by a refused proof.
    expect((await send(good)).status).toBe(200);
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refresh without the identifier header, or for a session gone, is refused', async () => {
    const { b, app, id, page } = await bound();
    expect((await refreshAs(app, b.steal(), {})).status).toBe(400);
    expect((await refreshAs(app, b.steal(), { 'sec-secure-session-id': 'not an id' })).status).toBe(400);
    expect((await refreshAs(app, b.steal(), { 'sec-secure-session-id': '"unterminated' })).status).toBe(400);
    // The draft's sf-string and Chromium's bare identifier both name the session.
    const quoted = id['sec-secure-session-id'];
    expect((await refreshAs(app, b.steal(), { 'sec-secure-session-id': quoted })).status).toBe(403);
    expect((await refreshAs(app, b.steal(), { 'sec-secure-session-id': quoted.slice(1, -1) })).status).toBe(
      403,
    );
    expect((await refreshAs(app, new Map(), id)).status).toBe(401);
    // Logged out: the browser's refresh is answered 401 and it ends its DBSC session.
    const logout = await b.fetch('/logout', { method: 'POST' });
    expect(logout.headers.getSetCookie()).toContain(
      '__Host-sid.bound=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    expect(await page(b)).toMatchObject({ userId: null });
    expect(b.log.slice(-2)).toEqual(['POST /dbsc/refresh 401', 'GET / 200']);
    expect(b.sessions.size).toBe(0);
  });

  it('registration refuses a missing proof, no session, a key that did not sign, and a second registration', async () => {
    const s = setup();
    const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    const offer = response.headers.get('secure-session-registration')!;
    const jti = /challenge="([^"]+)"/.exec(offer)![1]!;
    const b = s.browser();
    b.absorb(response);
    const cookies = b.steal();
    const post = (headers: Record<string, string>, jar = cookies) =>
      replay(s.app, jar, '/dbsc/register', { method: 'POST', headers });
    const keys = await makeKeys('ES256');
    const other = await makeKeys('ES256');
    expect((await post({})).status).toBe(400);
    const proof = await signJws(keys, 'ES256', { typ: 'dbsc+jwt', jwk: await publicJwk(keys) }, { jti });
    expect((await post({ 'secure-session-response': `"${proof}"` }, new Map())).status).toBe(401);
    // Signed by one key, naming another.
    const mismatch = await signJws(keys, 'ES256', { typ: 'dbsc+jwt', jwk: await publicJwk(other) }, { jti });
    expect((await post({ 'secure-session-response': `"${mismatch}"` })).status).toBe(400);
    // No key at all.
    const keyless = await signJws(keys, 'ES256', { typ: 'dbsc+jwt' }, { jti });
    expect((await post({ 'secure-session-response': `"${keyless}"` })).status).toBe(400);
    // A private key is never accepted as the session key.
    const priv = await signJws(
      keys,
      'ES256',
      { typ: 'dbsc+jwt', jwk: { ...(await publicJwk(keys)), d: 'AAAA' } },
      { jti },
    );
    expect((await post({ 'secure-session-response': `"${priv}"` })).status).toBe(400);
    // The challenge survived the refusals: the right proof registers, once.
    const first = await post({ 'secure-session-response': `"${proof}"` });
    expect(first.status).toBe(200);
    expect((await post({ 'secure-session-response': `"${proof}"` })).status).toBe(400);
  });

  it("a proof in the earlier drafts' shape (key in the payload, aud, iat, exp) registers and refreshes", async () => {
    const { s, b, jti } = await loggedIn();
    const keys = await makeKeys('ES256');
    const seconds = Math.floor(s.clock.now() / 1000);
    const claims = {
      jti,
      aud: `${ORIGIN}/dbsc/register`,
      iat: seconds,
      exp: seconds + 60,
      key: await publicJwk(keys),
    };
    const proof = await signJws(keys, 'ES256', { typ: 'dbsc+jwt' }, claims);
    const reg = await replay(s.app, b.steal(), '/dbsc/register', {
      method: 'POST',
      headers: { 'secure-session-response': `"${proof}"` },
    });
    expect(reg.status).toBe(200);
    b.absorb(reg);
    const { session_identifier: id } = (await reg.json()) as { session_identifier: string };
    expect(await (await replay(s.app, b.steal())).json()).toMatchObject({ userId: 'ada', deviceBound: true });
    // The refresh's aud is the refresh URL.
    const asked = await refreshAs(s.app, b.steal(), { 'sec-secure-session-id': `"${id}"` });
    const refresh = await signJws(
      keys,
      'ES256',
      { typ: 'dbsc+jwt' },
      { jti: challengeOf(asked), aud: `${ORIGIN}/dbsc/refresh` },
    );
    const ok = await refreshAs(s.app, b.steal(), {
      'sec-secure-session-id': `"${id}"`,
      'secure-session-response': `"${refresh}"`,
    });
    expect(ok.status).toBe(200);
  });

  it('an expired registration challenge is refused', async () => {
    const s = setup();
    const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    const b = s.browser();
    b.absorb(response);
    s.clock.advance(61);
    await b.takeUp(response);
    expect(b.sessions.size).toBe(0);
    expect(b.log).toEqual(['POST /dbsc/register 400']);
  });
});

describe('deviceBoundSessions() options', () => {
  it('refuses unknown names, bad paths, algorithms and lifetimes, naming the option', () => {
    expect(() => deviceBoundSessions({ maxAge: 60 } as never)).toThrow(/maxAge/);
    expect(() => deviceBoundSessions({ cookie: { maxAg: 60 } } as never)).toThrow(/cookie\.maxAge/);
    expect(() => deviceBoundSessions({ registrationPath: 'register' })).toThrow(/registrationPath/);
    expect(() => deviceBoundSessions({ refreshPath: '/r?x' })).toThrow(/refreshPath/);
    expect(() => deviceBoundSessions({ refreshPath: '/dbsc/register' })).toThrow(/must differ/);
    expect(() => deviceBoundSessions({ algorithms: ['none' as never] })).toThrow(/algorithms/);
    expect(() => deviceBoundSessions({ algorithms: [] })).toThrow(/algorithms/);
    expect(() => deviceBoundSessions({ cookie: { maxAge: 10 } })).toThrow(/cookie\.maxAge/);
    expect(() => deviceBoundSessions({ challengeTtl: 0 })).toThrow(/challengeTtl/);
    expect(() => deviceBoundSessions({ cookie: { name: 'a b' } })).toThrow(/cookie\.name/);
    expect(() => deviceBoundSessions({ cookie: { name: '__Host-bound' } })).not.toThrow();
  });

  it('the manager refuses a hand-made value and CookieStore', async () => {
    expect(() => createSessionManager({ secrets: SECRET, deviceBoundSessions: {} as never })).toThrow(
      /deviceBoundSessions\(\)/,
    );
    expect(() =>
      createSessionManager({
        secrets: SECRET,
        store: new CookieStore(),
        deviceBoundSessions: deviceBoundSessions(),
      }),
    ).toThrow(/server-side store/);
    // A store made per request is checked when it is made.
    const perRequest = createSessionManager({
      secrets: SECRET,
      store: () => new CookieStore(),
      deviceBoundSessions: deviceBoundSessions(),
    });
    const session = perRequest.load(new Request('https://a.example/'));
    session.set('n', 1);
    await expect(perRequest.commit(session, new Response())).rejects.toThrow(
      /option deviceBoundSessions needs a server-side store/,
    );
  });
});

describe('DBSC with the other features', () => {
  it('read cache: a cached copy of a bound session is gated like the store record', async () => {
    const s = setup({ cookie: { maxAge: 60 } }, { readCache: readCache({ maxAge: 300 }) });
    const b = await s.login();
    expect(await s.page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
    expect(await s.page(b)).toMatchObject({ userId: 'ada', deviceBound: true }); // from the copy
    const stolen = b.steal();
    expect(stolen.has('__Host-sid.cache')).toBe(true);
    s.clock.advance(61);
    s.store.reset();
    expect(await (await replay(s.app, stolen)).json()).toMatchObject({ userId: null });
    expect(await s.page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
  });

  it('read cache: a cookie set copied before registration reads from its copy for at most its maxAge (the stated bound)', async () => {
    const s = setup({}, { readCache: readCache({ maxAge: 30 }) });
    const b = s.browser();
    const response = await s.app(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    b.absorb(response);
    const early = b.steal();
    expect(early.has('__Host-sid.cache')).toBe(true);
    await b.takeUp(response);
    expect(b.jar.has('__Host-sid.cache')).toBe(false); // registration dropped the browser's copy
    expect(await (await replay(s.app, early)).json()).toMatchObject({ userId: 'ada' });
    s.clock.advance(31);
    expect(await (await replay(s.app, early)).json()).toMatchObject({ userId: null });
    expect(await s.page(b)).toMatchObject({ userId: 'ada', deviceBound: true });
  });

  it("devices: listSessions marks the bound session; revoking it ends the browser's DBSC session", async () => {
    const s = setup();
    const b = await s.login();
    const plain = await s.login('no DBSC');
    const listed = await s.manager.listSessions('ada');
    expect(listed.map((info) => info.deviceBound === true).sort()).toEqual([false, true]);
    const bound = listed.find((info) => info.deviceBound)!;
    expect(await s.manager.revokeSession(bound.handle)).toBe(true);
    expect(await s.page(b)).toMatchObject({ userId: null });
    s.clock.advance(601);
    expect(await s.page(b)).toMatchObject({ userId: null });
    expect(b.log.slice(-2)).toEqual(['POST /dbsc/refresh 401', 'GET / 200']);
    expect(b.sessions.size).toBe(0);
    expect(await s.page(plain)).toMatchObject({ userId: 'ada', deviceBound: false });
  });

  it('a blind write after the session ended is kept in a new session, as without DBSC (read cache)', async () => {
    for (const dbsc of [false, true]) {
      const { manager, send: sendFrom } = engineWith(dbsc, { readCache: readCache({ maxAge: 300 }) });
      const jar = new CookieJar();
      const send = <T>(act: (session: Session<Data>) => T | Promise<T>) => sendFrom(jar, act);
      await send(async (session) => {
        await session.regenerate();
        session.set('userId', 'ada');
      });
      const [listed] = await manager.listSessions('ada');
      expect(await manager.revokeSession(listed!.handle)).toBe(true);
      // The browser's read cache copy still names the session (within the cache's maxAge): a
      // write without a read must not vanish into it, but start a new session.
      await send((session) => session.set('note', 'kept'));
      expect(await send((session) => session.get('note')), `DBSC ${dbsc ? 'on' : 'off'}`).toBe('kept');
    }
  });

  it('id rotation: a logout with a value rotated past grace ends the session, as without DBSC', async () => {
    for (const dbsc of [false, true]) {
      const { clock, send } = engineWith(dbsc, { rotation: { every: 20, grace: 5 } });
      const browser = new CookieJar();
      await send(browser, async (session) => {
        await session.regenerate();
        session.set('userId', 'ada');
      });
      const thief = browser.clone();
      clock.advance(21);
      expect(await send(thief, (session) => session.get('userId'))).toBe('ada'); // rotates: the thief holds the current value
      clock.advance(10);
      // The browser's logout, before any read, with the value the thief's request replaced.
      await send(browser, (session) => session.destroy());
      expect(
        await send(thief, (session) => session.get('userId')),
        `DBSC ${dbsc ? 'on' : 'off'}`,
      ).toBeUndefined();
    }
  });

  it('two registrations with the same proof at once: one binds the session', async () => {
    const { s, b, jti } = await loggedIn();
    const keys = await makeKeys('ES256');
    const proof = await signJws(keys, 'ES256', { typ: 'dbsc+jwt', jwk: await publicJwk(keys) }, { jti });
    const post = () =>
      replay(s.app, b.steal(), '/dbsc/register', {
        method: 'POST',
        headers: { 'secure-session-response': `"${proof}"` },
      });
    const statuses = (await Promise.all([post(), post(), post()])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
  });
});
