/**
 * Sessions for clients without cookies: the token in `Authorization: Bearer`
 * (or a named header), the same signing, hashing, timeouts and revocation as
 * the cookie, and no CSRF exposure.
 */
import { describe, expect, it } from 'vitest';
import { CookieStore, createSessionManager, MemoryStore, verifyCsrf } from '../../src/index.ts';
import { Clock, SECRET } from './helpers.ts';

type Data = { userId?: string; n?: number };

function api(options: { header?: string; cookie?: boolean } = {}) {
  const clock = new Clock();
  const store = new MemoryStore({ now: clock.now });
  const sessions = createSessionManager<Data>({
    secrets: SECRET,
    store,
    now: clock.now,
    idleTimeout: 600,
    sessionToken: {
      header: options.header ?? 'authorization',
      ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
    },
  });
  const app = sessions.handle(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    if (url.pathname === '/login') {
      await session.regenerate();
      session.set('userId', 'ada');
      return Response.json({ token: await session.token(), transport: session.transport });
    }
    if (url.pathname === '/logout') {
      void session.destroy();
      return new Response('bye');
    }
    if (url.pathname === '/count') session.increment('n');
    return Response.json({ userId: (await session.get('userId')) ?? null, transport: session.transport });
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const send = (path: string, headers: Record<string, string> = {}) =>
    app(new Request(`https://api.example${path}`, { method: 'POST', headers }));
  return { clock, store, sessions, app, send, bearer };
}

describe('session tokens in a header', () => {
  it('log in, read with Authorization: Bearer, log out: no cookie anywhere', async () => {
    const { send, bearer } = api({ cookie: false });
    const login = await send('/login');
    expect(login.headers.getSetCookie()).toEqual([]);
    const { token, transport } = (await login.json()) as { token: string; transport: string };
    expect(transport).toBe('header');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+$/);
    const me = await send('/me', bearer(token));
    expect(await me.json()).toEqual({ userId: 'ada', transport: 'header' });
    expect(me.headers.getSetCookie()).toEqual([]);
    await send('/count', bearer(token));
    await send('/logout', bearer(token));
    expect(await (await send('/me', bearer(token))).json()).toMatchObject({ userId: null });
  });

  it('refuses tampered, truncated, re-spelled and expired tokens, and bad schemes, without a store read', async () => {
    const { clock, send, bearer } = api({ cookie: false });
    const { token } = (await (await send('/login')).json()) as { token: string };
    const variants = [
      `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`,
      token.slice(0, -4),
      `${token.slice(0, 5)}%${token.charCodeAt(5).toString(16)}${token.slice(6)}`,
    ];
    for (const variant of variants)
      expect(await (await send('/me', bearer(variant))).json()).toMatchObject({ userId: null });
    for (const header of [`Basic ${token}`, `Bearer`, `Bearer  ${token} extra`, token]) {
      expect(await (await send('/me', { authorization: header })).json()).toMatchObject({ userId: null });
    }
    expect(await (await send('/me', { authorization: `bearer ${token}` })).json()).toMatchObject({
      userId: 'ada',
    });
    clock.advance(601);
    expect(await (await send('/me', bearer(token))).json()).toMatchObject({ userId: null });
  });

  it('regenerate() gives a new token and kills the old one; revocation by user works as for cookies', async () => {
    const { send, bearer, sessions } = api({ cookie: false });
    const first = ((await (await send('/login')).json()) as { token: string }).token;
    const second = ((await (await send('/login', bearer(first))).json()) as { token: string }).token;
    expect(second).not.toBe(first);
    expect(await (await send('/me', bearer(first))).json()).toMatchObject({ userId: null });
    expect(await (await send('/me', bearer(second))).json()).toMatchObject({ userId: 'ada' });
    expect(await sessions.revokeUserSessions('ada')).toBe(1);
    expect(await (await send('/me', bearer(second))).json()).toMatchObject({ userId: null });
  });

  it('beside cookies: a browser keeps its cookie, an API client its header; the header wins when both come', async () => {
    const { send, bearer } = api();
    const login = await send('/login');
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const { token, transport } = (await login.json()) as { token: string; transport: string };
    expect(transport).toBe('cookie');
    expect(cookie.split('=')[1]).toBe(token); // the same credential, two ways to carry it
    expect(await (await send('/me', { cookie })).json()).toEqual({ userId: 'ada', transport: 'cookie' });
    expect(await (await send('/me', bearer(token))).json()).toEqual({ userId: 'ada', transport: 'header' });
    expect(await (await send('/me', { cookie, authorization: 'Bearer forged.AAAA' })).json()).toMatchObject({
      userId: null,
    });
  });

  it('a named header carries the raw token; cookie: false ignores cookies', async () => {
    const { send } = api({ header: 'X-Session', cookie: false });
    const { token } = (await (await send('/login')).json()) as { token: string };
    expect(await (await send('/me', { 'x-session': token })).json()).toMatchObject({ userId: 'ada' });
    expect(await (await send('/me', { cookie: `__Host-sid=${token}` })).json()).toMatchObject({
      userId: null,
    });
  });

  it('needs no CSRF token: a browser sends no such header cross-site', async () => {
    const { sessions } = api();
    const request = new Request('https://api.example/transfer', {
      method: 'POST',
      headers: { authorization: 'Bearer x.y' },
    });
    expect(await verifyCsrf(sessions.load(request), request)).toBe(true);
    const cookieRequest = new Request('https://api.example/transfer', { method: 'POST' });
    expect(await verifyCsrf(sessions.load(cookieRequest), cookieRequest)).toBe(false);
  });

  it('misconfiguration throws at construction, naming the option', () => {
    expect(() => createSessionManager({ secrets: SECRET, sessionToken: { header: 'bad header' } })).toThrow(
      /option sessionToken.header/,
    );
    expect(() => createSessionManager({ secrets: SECRET, sessionToken: { header: 'cookie' } })).toThrow(
      /sessionToken.header/,
    );
    expect(() =>
      createSessionManager({
        secrets: SECRET,
        store: new CookieStore(),
        sessionToken: { header: 'authorization' },
      }),
    ).toThrow(/option sessionToken needs a server-side store/);
    // A store made per request is checked when it is made: the request's first store call.
    const perRequest = createSessionManager({
      secrets: SECRET,
      store: () => new CookieStore(),
      sessionToken: { header: 'authorization' },
    });
    const session = perRequest.load(new Request('https://a.example/'));
    session.set('n', 1);
    return expect(perRequest.commit(session, new Response())).rejects.toThrow(
      /option sessionToken needs a server-side store/,
    );
  });
});
