import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../src/index.ts';
import { CookieJar, SECRET, SpyStore } from './helpers.ts';

describe('store failures', () => {
  it('a failing get rejects the handler with that error and writes nothing', async () => {
    const store = new SpyStore();
    const manager = createSessionManager<{ n?: number }>({ secrets: SECRET, store });
    const handler = manager.handle(async (_request, _env, _ctx, session) => {
      const n = (await session.get('n')) ?? 0;
      session.set('n', n + 1);
      return new Response('ok');
    });
    const browser = new CookieJar();
    browser.absorb(await handler(browser.request(), undefined, undefined));
    store.reset();
    const outage = new Error('store unavailable');
    store.failGet = outage;
    await expect(handler(browser.request(), undefined, undefined)).rejects.toBe(outage);
    expect(store.writes()).toBe(0);
  });

  it('commit refuses to write when the read failed, even if the handler caught it', async () => {
    const store = new SpyStore();
    const manager = createSessionManager<{ n?: number }>({ secrets: SECRET, store });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('n', 1);
    browser.absorb(await manager.commit(first, new Response('ok')));

    const outage = new Error('timeout');
    store.failGet = outage;
    store.reset();
    const session = manager.load(browser.request());
    await expect(session.get('n')).rejects.toBe(outage);
    await expect(session.get('n')).rejects.toBe(outage);
    session.set('n', 99);
    await expect(manager.commit(session, new Response('caught'))).rejects.toBe(outage);
    expect(store.writes()).toBe(0);

    // Without writes the failed session commits nothing and leaves the cookie alone.
    const readOnly = manager.load(browser.request());
    await expect(readOnly.has('n')).rejects.toBe(outage);
    const response = await manager.commit(readOnly, new Response('page'));
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('a handler that throws commits nothing', async () => {
    const store = new SpyStore();
    const manager = createSessionManager({ secrets: SECRET, store });
    const handler = manager.handle(async (_request, _env, _ctx, session) => {
      session.set('x', 1);
      throw new Error('boom');
    });
    await expect(handler(new CookieJar().request(), undefined, undefined)).rejects.toThrow('boom');
    expect(store.calls).toEqual([]);
  });
});

describe('configuration', () => {
  it('throws at construction, naming the option', () => {
    expect(() => createSessionManager({} as never)).toThrow(/option secrets/);
    expect(() => createSessionManager({ secrets: 'short' })).toThrow(/32 bytes/);
    expect(() => createSessionManager({ secrets: SECRET, idleTimeout: 0 })).toThrow(/option idleTimeout/);
    expect(() => createSessionManager({ secrets: SECRET, absoluteTimeout: 1.5 })).toThrow(
      /option absoluteTimeout/,
    );
    expect(() => createSessionManager({ secrets: SECRET, idleTimeout: 60, touchInterval: 60 })).toThrow(
      /option touchInterval/,
    );
    expect(() => createSessionManager({ secrets: SECRET, cookie: { path: 'x' } })).toThrow(
      /option cookie.*path/,
    );
    expect(() =>
      createSessionManager({ secrets: SECRET, cookie: { name: '__Host-x', domain: 'example.com' } }),
    ).toThrow(/option cookie/);
    expect(() =>
      createSessionManager({ secrets: SECRET, cookie: { sameSite: 'None', secure: false } }),
    ).toThrow(/option cookie/);
    expect(() => createSessionManager({ secrets: SECRET, userField: '' })).toThrow(/option userField/);
    expect(() => createSessionManager({ secrets: SECRET, store: 42 as never })).toThrow(/option store/);
  });
});
