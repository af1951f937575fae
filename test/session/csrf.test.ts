/** CSRF tokens for plain fetch handlers (`handle()`), without Hono. */
import { describe, expect, it } from 'vitest';
import { createSessionManager, csrfToken, MemoryStore, verifyCsrf } from '../../src/index.ts';
import { CookieJar, SECRET } from './helpers.ts';

describe('csrfToken(session) and verifyCsrf(session, request)', () => {
  const sessions = createSessionManager({ secrets: SECRET, store: new MemoryStore() });
  const app = sessions.handle(async (request, _env, _ctx, session) => {
    if (!(await verifyCsrf(session, request))) return new Response('forbidden', { status: 403 });
    if (request.method === 'POST') {
      const form = await request.formData(); // the body is still readable
      return new Response(`posted ${form.get('item')}`);
    }
    return new Response(await csrfToken(session));
  });

  it('lets safe methods through, and unsafe ones only with the token (header or form field)', async () => {
    const browser = new CookieJar();
    const page = await app(browser.request('/'));
    browser.absorb(page);
    const token = await page.text();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const post = (init: RequestInit) => app(browser.request('/', { method: 'POST', ...init }));
    expect((await post({ body: new URLSearchParams({ item: 'x' }) })).status).toBe(403);
    expect(await (await post({ body: new URLSearchParams({ item: 'x', _csrf: token }) })).text()).toBe(
      'posted x',
    );
    expect(
      (await post({ body: new URLSearchParams({ item: 'y' }), headers: { 'x-csrf-token': token } })).status,
    ).toBe(200);
    expect((await post({ body: new URLSearchParams({ item: 'x', _csrf: `${token}x` }) })).status).toBe(403);
    expect(
      (await post({ body: '{"_csrf":"x"}', headers: { 'content-type': 'application/json' } })).status,
    ).toBe(403);
    // No session, no token: refused, and nothing thrown.
    expect((await app(new Request('https://app.example/', { method: 'DELETE' }))).status).toBe(403);
  });

  it('a token dies with its session id (login regenerates it)', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    const token = await csrfToken(first);
    browser.absorb(await manager.commit(first, new Response()));
    const login = manager.load(browser.request());
    await login.regenerate();
    browser.absorb(await manager.commit(login, new Response()));
    const after = manager.load(browser.request('/', { method: 'POST', headers: { 'x-csrf-token': token } }));
    expect(
      await verifyCsrf(after, browser.request('/', { method: 'POST', headers: { 'x-csrf-token': token } })),
    ).toBe(false);
    await expect(
      verifyCsrf(after, new Request('https://a.example/'), { headerName: 'bad header' }),
    ).rejects.toThrow(/option headerName/);
  });
});
