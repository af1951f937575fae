import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../src/index.ts';
import { Clock, CookieJar, SECRET, SpyStore } from './helpers.ts';

type Data = { user?: string };

interface Setup {
  idleTimeout?: number;
  absoluteTimeout?: number;
  touchInterval?: number;
  atomic?: boolean;
  /** false: the store keeps its own (real) clock and so hands back records the engine must judge expired. */
  storeSharesClock?: boolean;
}

function setup(options: Setup = {}) {
  const clock = new Clock();
  const { atomic, storeSharesClock = true, ...timeouts } = options;
  const store = new SpyStore({
    ...(storeSharesClock ? { now: clock.now } : {}),
    ...(atomic === undefined ? {} : { atomic }),
  });
  const manager = createSessionManager<Data>({ secrets: SECRET, store, now: clock.now, ...timeouts });
  const handler = manager.handle(async (request, _env, _ctx, session) => {
    if (new URL(request.url).pathname === '/login') session.set('user', 'ada');
    return Response.json({ user: (await session.get('user')) ?? null });
  });
  const send = async (jar: CookieJar, path = '/') => {
    const response = await handler(jar.request(path), undefined, undefined);
    jar.absorb(response);
    return (await response.json()) as { user: string | null };
  };
  return { clock, store, send };
}

describe('timeouts', () => {
  it('idle timeout is enforced from stored timestamps, whatever the cookie says', async () => {
    const { clock, send } = setup({ idleTimeout: 600, touchInterval: 60 });
    const browser = new CookieJar();
    await send(browser, '/login');
    clock.advance(599);
    expect(await send(browser)).toEqual({ user: 'ada' }); // activity slides the idle window
    clock.advance(599);
    expect(await send(browser)).toEqual({ user: 'ada' });
    clock.advance(600);
    expect(await send(browser)).toEqual({ user: null });
  });

  it('absolute timeout ends even an active session', async () => {
    const { clock, send } = setup({ idleTimeout: 600, absoluteTimeout: 3600, touchInterval: 60 });
    const browser = new CookieJar();
    await send(browser, '/login');
    for (let t = 0; t < 3590; t += 300) {
      expect(await send(browser)).toEqual({ user: 'ada' });
      clock.advance(300);
    }
    clock.time += 10_000;
    expect(await send(browser)).toEqual({ user: null });
  });

  it('a cookie replayed after idle expiry: the record is removed, the cookie left alone', async () => {
    // The cookie is validly signed, so it is not cleared: the browser may
    // already hold a newer one under the same name that a deletion would wipe.
    const { clock, store, send } = setup({ idleTimeout: 60, touchInterval: 30, storeSharesClock: false });
    const browser = new CookieJar();
    await send(browser, '/login');
    clock.advance(61);
    store.reset();
    expect(await send(browser)).toEqual({ user: null });
    expect(browser.cookies.size).toBe(1);
    expect(store.count('delete')).toBe(1);
    expect(store.inner.size).toBe(0);
  });

  it('a cookie replayed after the absolute timeout no longer verifies, and is cleared', async () => {
    const { clock, send } = setup({ idleTimeout: 600, absoluteTimeout: 3600, touchInterval: 60 });
    const browser = new CookieJar();
    await send(browser, '/login');
    clock.advance(3601);
    expect(await send(browser)).toEqual({ user: null });
    expect(browser.cookies.size).toBe(0);
  });

  for (const atomic of [true, false]) {
    it(`sliding expiry writes at most once per touchInterval (${atomic ? 'atomic' : 'get/set'} store)`, async () => {
      const { clock, store, send } = setup({ idleTimeout: 1800, touchInterval: 60, atomic });
      const browser = new CookieJar();
      await send(browser, '/login');
      store.reset();
      for (let i = 0; i < 100; i++) {
        clock.advance(5);
        expect(await send(browser)).toEqual({ user: 'ada' });
      }
      // 500 seconds of reads: a touch every 60 s at most.
      const writes = store.writes();
      expect(writes).toBeGreaterThanOrEqual(8);
      expect(writes).toBeLessThanOrEqual(9);
      // A store without update is read again right before each write (no resurrection of a revoked session).
      expect(store.count('get')).toBe(atomic ? 100 : 100 + writes);
    });
  }
});
