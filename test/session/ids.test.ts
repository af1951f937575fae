import { describe, expect, it } from 'vitest';
import { createKeyring, createSessionManager, sign } from '../../src/index.ts';
import { CookieJar, idOf, ORIGIN, SECRET, SpyStore } from './helpers.ts';

type Data = { user?: string; n?: number };

function setup() {
  const store = new SpyStore();
  const manager = createSessionManager<Data>({ secrets: SECRET, store });
  const app = manager.handle(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    if (url.pathname === '/set') session.set('user', url.searchParams.get('v') ?? 'x');
    return new Response(
      JSON.stringify({ user: (await session.get('user')) ?? null, isNew: session.isNew, id: session.id }),
    );
  });
  return { store, manager, app };
}

const withCookie = (value: string, path = '/') =>
  new Request(`${ORIGIN}${path}`, { headers: { cookie: `__Host-sid=${value}` } });

describe('session ids', () => {
  it('are 256 random bits, base64url, signed in a __Host- cookie', async () => {
    const { app } = setup();
    const response = await app(new Request(`${ORIGIN}/set?v=ada`), undefined, undefined);
    const [line] = response.headers.getSetCookie();
    expect(line).toMatch(
      /^__Host-sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const body = (await response.json()) as { id: string };
    expect(idOf(new CookieJar().absorb(response).cookies.get('__Host-sid'))).toBe(body.id);
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = await app(new Request(`${ORIGIN}/set`), undefined, undefined);
      ids.add(((await r.json()) as { id: string }).id);
    }
    expect(ids.size).toBe(200);
  });

  it('refuses forged and malformed cookies before any store call', async () => {
    const { store, app } = setup();
    const forgedSignature = `${'A'.repeat(43)}.AQAEa2V5MQ${'x'.repeat(43)}`;
    const signedButMalformed = await Promise.all(
      ['../x', '', '.', 'x'.repeat(600)].map((id) => sign(createKeyring(SECRET), '__Host-sid', id)),
    );
    const otherKey = await sign(
      createKeyring('another-secret-entirely-0123456789abcdef'),
      '__Host-sid',
      'B'.repeat(43),
    );
    for (const value of [
      '../x',
      '',
      '.',
      'x'.repeat(600),
      forgedSignature,
      otherKey,
      ...signedButMalformed,
    ]) {
      store.reset();
      const response = await app(withCookie(encodeURIComponent(value)), undefined, undefined);
      expect(await response.json(), value.slice(0, 20)).toMatchObject({ user: null, isNew: true });
      expect(store.calls, value.slice(0, 20)).toEqual([]);
    }
  });

  it('stores records under SHA-256 of the id, never the id itself', async () => {
    const { store, app } = setup();
    const jar = new CookieJar();
    jar.absorb(await app(jar.request('/set?v=grace'), undefined, undefined));
    jar.absorb(await app(jar.request('/set?v=hopper'), undefined, undefined));
    const id = idOf(jar.cookies.get('__Host-sid'))!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(id)));
    const expectedKey = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(store.calls.length).toBeGreaterThan(0);
    for (const call of store.calls) {
      expect(call.key).toBe(expectedKey);
      expect(call.value ?? '').not.toContain(id);
    }
  });

  it('never adopts a validly signed id the store does not know (fixation)', async () => {
    const { store, app } = setup();
    const planted = 'C'.repeat(43);
    const cookie = await sign(createKeyring(SECRET), '__Host-sid', planted);
    const response = await app(withCookie(encodeURIComponent(cookie), '/set?v=victim'), undefined, undefined);
    const body = (await response.json()) as { id: string; isNew: boolean };
    expect(body.isNew).toBe(true);
    expect(body.id).not.toBe(planted);
    const issued = idOf(new CookieJar().absorb(response).cookies.get('__Host-sid'));
    expect(issued).toBe(body.id);
    expect(store.count('get')).toBe(1);
  });

  it('a blind write with an unknown id also gets a new id', async () => {
    const store = new SpyStore();
    const manager = createSessionManager<Data>({ secrets: SECRET, store });
    const planted = 'D'.repeat(43);
    const request = withCookie(encodeURIComponent(await sign(createKeyring(SECRET), '__Host-sid', planted)));
    const session = manager.load(request);
    session.set('user', 'x');
    const response = await manager.commit(session, new Response('ok'));
    const issued = idOf(new CookieJar().absorb(response).cookies.get('__Host-sid'));
    expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued).not.toBe(planted);
    expect(store.count('get')).toBe(0);
    expect(store.count('update')).toBe(1);
  });
});
