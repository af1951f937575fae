import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../src/index.ts';
import { Clock, CookieJar, SECRET, SpyStore } from './helpers.ts';

describe('session.info(), handle and isFresh()', () => {
  function setup() {
    const clock = new Clock();
    const store = new SpyStore();
    const manager = createSessionManager<{ userId?: string; n?: number }>({
      secrets: SECRET,
      store,
      now: clock.now,
    });
    const browser = new CookieJar();
    const send = async (act: (session: ReturnType<typeof manager.load>) => Promise<void> | void) => {
      const session = manager.load(browser.request());
      await act(session);
      browser.absorb(await manager.commit(session, new Response()));
      return session;
    };
    return { clock, store, manager, browser, send };
  }

  it('reports the times, persistence and handle; authenticatedAt when the session gains a user or is regenerated', async () => {
    const { clock, store, send } = setup();
    const start = clock.time;
    const first = await send((s) => s.set('n', 1));
    expect(first.handle).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.calls.at(-1)?.key).toBe(first.handle); // the store key
    clock.advance(120);
    const info = await (await send(() => undefined)).info();
    expect(info).toMatchObject({ handle: first.handle, createdAt: start, persistent: false });
    expect(info.authenticatedAt).toBeUndefined();
    await send((s) => s.set('userId', 'ada'));
    expect((await (await send(() => undefined)).info()).authenticatedAt).toBe(start + 120_000);
    clock.advance(60);
    const regenerated = await send(async (s) => void (await s.regenerate()));
    const after = await regenerated.info();
    expect(after.authenticatedAt).toBe(start + 180_000);
    expect(after.handle).not.toBe(first.handle);
    expect(after.userId).toBe('ada');
  });

  it('a handle is never a credential: a cookie carrying it is not a session', async () => {
    const { manager, send } = setup();
    const session = await send((s) => s.set('userId', 'ada'));
    const stolen = new CookieJar();
    stolen.cookies.set('__Host-sid', session.handle!);
    expect(await manager.load(stolen.request()).get('userId')).toBeUndefined();
  });

  it('isFresh(maxAge): whether the session authenticated within maxAge seconds', async () => {
    const { clock, send } = setup();
    const session = await send(async (s) => {
      await s.regenerate();
      s.set('userId', 'ada');
    });
    expect(await session.isFresh(300)).toBe(true);
    clock.advance(301);
    const later = await send(() => undefined);
    expect(await later.isFresh(300)).toBe(false);
    expect(await later.isFresh(600)).toBe(true);
    await expect(later.isFresh(Number.NaN)).rejects.toThrow(/maxAge/);
    expect(await (await send(() => undefined)).isFresh(10_000)).toBe(true);
  });

  it('info() of a session this request creates', async () => {
    const { clock, manager } = setup();
    const session = manager.load(new Request('https://a.example/'));
    session.set('n', 1);
    const info = await session.info();
    expect(info).toMatchObject({ createdAt: clock.time, lastSeenAt: clock.time, persistent: false });
    expect(info.handle).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
