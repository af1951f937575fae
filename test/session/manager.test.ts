import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createSessionManager, MemoryStore, type Session, type SessionStore } from '../../src/index.ts';
import { CookieJar, SECRET, SpyStore } from './helpers.ts';

describe('createSessionManager', () => {
  it('commits onto Headers as well as Responses', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const session = manager.load(new Request('https://a.example/'));
    session.set('x', 1);
    const headers = await manager.commit(session, new Headers({ 'set-cookie': 'other=1' }));
    expect(headers.getSetCookie()).toHaveLength(2);
    expect(headers.get('cache-control')).toBe('private, no-store');
  });

  it('copies a Response whose headers are immutable', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const session = manager.load(new Request('https://a.example/'));
    session.set('x', 1);
    const immutable = Response.redirect('https://a.example/next', 302);
    const response = await manager.commit(session, immutable);
    expect(response).not.toBe(immutable);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://a.example/next');
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it('keeps Set-Cookie headers the handler set, and an explicit Cache-Control', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const app = manager.handle((_request, _env, _ctx, session) => {
      session.set('x', 1);
      const headers = new Headers({ 'cache-control': 'private, max-age=0' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response('ok', { headers });
    });
    const response = await app(new Request('https://a.example/'), undefined, undefined);
    expect(response.headers.getSetCookie().map((l) => l.split('=')[0])).toEqual(['a', 'b', '__Host-sid']);
    expect(response.headers.get('cache-control')).toBe('private, max-age=0');
  });

  it('picks a store per request from env (Workers bindings)', async () => {
    const stores = { A: new MemoryStore(), B: new MemoryStore() };
    const manager = createSessionManager<{ n?: number }, { env: { STORE: 'A' | 'B' } }>({
      secrets: SECRET,
      store: (_request, env) => stores[env.STORE],
    });
    const app = manager.handle((_request, _env, _ctx, session) => {
      session.set('n', 1);
      return new Response();
    });
    await app(new Request('https://a.example/'), { STORE: 'B' }, undefined);
    expect(stores.A.size).toBe(0);
    expect(stores.B.size).toBe(1);
  });

  it('uses a plain "sid" cookie without Secure on http to a non-loopback host, __Host-sid on loopback', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    for (const [url, expected] of [
      ['http://intranet.example/', /^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/],
      ['http://localhost:8787/', /^__Host-sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/],
      ['http://127.0.0.1:3000/x', /^__Host-sid=/],
    ] as const) {
      const session = manager.load(new Request(url));
      session.set('x', 1);
      const [line] = (await manager.commit(session, new Response())).headers.getSetCookie();
      expect(line, url).toMatch(expected);
    }
  });

  it('takes secrets from env, deriving keys again only when they change', async () => {
    type Env = { SECRET: string };
    const manager = createSessionManager<{ x?: number }, { env: Env }>({ secrets: (env) => [env.SECRET] });
    const first: Env = { SECRET: SECRET };
    const jar = new CookieJar();
    const session = manager.load(jar.request(), first);
    session.set('x', 1);
    jar.absorb(await manager.commit(session, new Response()));
    const imports = vi.spyOn(crypto.subtle, 'importKey');
    try {
      expect(await manager.load(jar.request(), { SECRET: SECRET }).get('x')).toBe(1);
      expect(imports).not.toHaveBeenCalled();
      // Rotated away: the old cookie no longer verifies.
      expect(
        await manager.load(jar.request(), { SECRET: 'a-completely-different-secret-0123456789' }).get('x'),
      ).toBeUndefined();
      expect(imports).toHaveBeenCalledTimes(1);
    } finally {
      imports.mockRestore();
    }
    // A misconfigured secret fails the requests that use the session, and only those.
    const broken = createSessionManager<{ x?: number }, { env: Env }>({ secrets: (env) => env.SECRET });
    const untouched = broken.load(new Request('https://a.example/'), { SECRET: 'short' });
    expect((await broken.commit(untouched, new Response('static'))).status).toBe(200);
    const used = broken.load(new Request('https://a.example/'), { SECRET: 'short' });
    used.set('x', 1);
    await expect(broken.commit(used, new Response())).rejects.toThrow(/option secrets.*32 bytes/);
  });

  it('a persistent cookie never outlives the server: min(idle timeout, rest of the absolute timeout)', async () => {
    const clock = { now: Date.UTC(2030, 0, 1) };
    const manager = createSessionManager({
      secrets: SECRET,
      now: () => clock.now,
      idleTimeout: 1800,
      absoluteTimeout: 3600,
      cookie: { persistent: true },
    });
    const maxAgeOf = (response: Response) =>
      /Max-Age=(\d+); Path=\//.exec(response.headers.getSetCookie()[0]!)?.[1];
    const jar = new CookieJar();
    const session = manager.load(jar.request());
    session.set('x', 1);
    const first = await manager.commit(session, new Response());
    expect(maxAgeOf(first)).toBe('1800');
    jar.absorb(first);
    // 50 minutes on (active all along), 10 minutes of the absolute lifetime are left.
    let latest = first;
    for (let step = 0; step < 2; step++) {
      clock.now += 25 * 60_000;
      const later = manager.load(jar.request());
      await later.get('x'); // read: the persistent cookie slides with the session
      later.set('x', step);
      latest = await manager.commit(later, new Response());
      jar.absorb(latest);
    }
    expect(maxAgeOf(latest)).toBe('600');
    // An idle timeout longer than the absolute one is refused at construction.
    expect(() => createSessionManager({ secrets: SECRET, idleTimeout: 7200, absoluteTimeout: 3600 })).toThrow(
      /absoluteTimeout \(3600 s\) is shorter than idleTimeout \(7200 s\)/,
    );
  });

  it('id and isNew: known at once for new sessions, after the first read for returning ones', async () => {
    const manager = createSessionManager({ secrets: SECRET });
    const fresh = manager.load(new Request('https://a.example/'));
    expect(fresh.isNew).toBe(true);
    const id = fresh.id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    fresh.set('x', 1);
    const jar = new CookieJar().absorb(await manager.commit(fresh, new Response()));
    const returning = manager.load(jar.request());
    expect(returning.id).toBeUndefined();
    expect(await returning.get('x')).toBe(1);
    expect(returning.id).toBe(id);
    expect(returning.isNew).toBe(false);
  });

  it('an untouched session whose id was only looked at stores nothing', async () => {
    const store = new SpyStore();
    const manager = createSessionManager({ secrets: SECRET, store });
    const session = manager.load(new Request('https://a.example/'));
    expect(session.id).toBeDefined();
    const response = await manager.commit(session, new Response());
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it('has, unset, increment and flash behave as documented within one request', async () => {
    const manager = createSessionManager<{ a?: string; n?: number }, { flash: { note?: string } }>({
      secrets: SECRET,
    });
    const session = manager.load(new Request('https://a.example/'));
    session.set('a', 'x');
    session.increment('n', 2);
    session.increment('n');
    session.flash('note', 'hi');
    expect(await session.has('a')).toBe(true);
    expect(await session.has('note')).toBe(true);
    expect(await session.get('n')).toBe(3);
    expect(await session.get('note')).toBe('hi');
    expect(await session.has('note')).toBe(false);
    session.unset('a');
    expect(await session.has('a')).toBe(false);
    expect(() => session.set('a', (() => 1) as never)).toThrow(/JSON-serializable/);
  });

  it('types reads and writes from Data and Flash', () => {
    type Data = { user: { id: number }; count: number; name?: string };
    type Flash = { notice: string };
    const manager = createSessionManager<Data, { flash: Flash }>({ secrets: SECRET });
    const session: Session<Data, Flash> = manager.load(new Request('https://a.example/'));
    expectTypeOf(session.get('user')).toEqualTypeOf<Promise<{ id: number } | undefined>>();
    expectTypeOf(session.get('notice')).toEqualTypeOf<Promise<string | undefined>>();
    // @ts-expect-error: unknown key
    void session.get('nope');
    // @ts-expect-error: wrong value type
    session.set('count', 'many');
    // @ts-expect-error: only numeric keys can be incremented
    session.increment('name');
    session.increment('count');
    // Without a Flash type, a typed Data leaves no room for typos.
    const plain = createSessionManager<{ a?: string }>({ secrets: SECRET }).load(
      new Request('https://a.example/'),
    );
    expectTypeOf(plain.get('a')).toEqualTypeOf<Promise<string | undefined>>();
    // @ts-expect-error: not a key of Data, and Flash declares none
    void plain.get('typo');
    // An untyped manager accepts any key.
    void createSessionManager({ secrets: SECRET }).load(new Request('https://a.example/')).get('anything');
  });

  it('names its optional type parameters, so one in the wrong place does not compile', () => {
    type Env = { KV: SessionStore };
    const manager = createSessionManager<{ a?: string }, { env: Env }>({
      secrets: SECRET,
      store: (_request, env) => env.KV,
    });
    expectTypeOf(manager.load(new Request('https://a.example/'))).toEqualTypeOf<
      Session<{ a?: string }, Record<never, never>>
    >();
    // @ts-expect-error: a Flash shape is not the named-types object
    createSessionManager<{ a?: string }, { notice?: string }>({ secrets: SECRET });
    // @ts-expect-error: bindings go under `env`
    createSessionManager<{ a?: string }, Env>({ secrets: SECRET });
    // With a typed env the Worker passes env and ctx; without one they are optional (Deno.serve(app)).
    const worker = manager.handle(async () => new Response('ok'));
    // @ts-expect-error: env and ctx are required when env is typed
    void worker(new Request('https://a.example/')).catch(() => undefined); // (and without env the store function fails)
    const plain = createSessionManager({ secrets: SECRET }).handle(async () => new Response('ok'));
    void plain(new Request('https://a.example/'));
  });
});
