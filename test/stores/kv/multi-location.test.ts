/**
 * KVStore across locations that see each other's writes only after KV's
 * propagation delay: a logout must end the session everywhere once that
 * bound has passed, whatever the other locations did meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../../src/index.ts';
import { KVStore, type KVStoreOptions } from '../../../src/stores/kv/index.ts';
import { CookieJar, SECRET } from '../../session/helpers.ts';
import { type KVLocation, MultiLocationKV, TestClock } from './multi-location.ts';

type Data = { user?: string; n?: number };

function world(
  storeOptions: KVStoreOptions = {},
  timeouts: { idleTimeout?: number; absoluteTimeout?: number } = {},
) {
  const clock = new TestClock();
  const kv = new MultiLocationKV({ now: clock.now });
  const at = (location: KVLocation) =>
    createSessionManager<Data>({
      secrets: SECRET,
      store: new KVStore(location, { now: clock.now, ...storeOptions }),
      now: clock.now,
      ...timeouts,
    });
  const managers = { a: at(kv.location('a')), b: at(kv.location('b')), c: at(kv.location('c')) };
  /** One request at `where`: `act` runs on the session, the response goes back to `jar`. */
  const send = async (
    where: keyof typeof managers,
    jar: CookieJar,
    act: (s: Session) => unknown = () => {},
  ) => {
    const manager = managers[where];
    const session = manager.load(jar.request());
    const user = await session.get('user');
    await act(session);
    jar.absorb(await manager.commit(session, new Response()));
    return user;
  };
  const login = async (jar: CookieJar) =>
    send('a', jar, (s) => {
      void s.regenerate();
      s.set('user', 'ada');
    });
  const writesAt = (location: string, filter: (key: string) => boolean = () => true) =>
    [...kv.versions].flatMap(([key, list]) => list.filter((v) => v.location === location && filter(key)));
  return { clock, kv, send, login, writesAt };
}
type Session = ReturnType<ReturnType<typeof createSessionManager<Data>>['load']>;

const SECOND = 1000;
/** Record keys: the store's prefix and a 43-character hash, nothing else. */
const isRecordKey = (key: string) => /^session:[A-Za-z0-9_-]{43}$/.test(key);

describe('KVStore across locations', () => {
  it('a logout at A is not undone by a read-only request at a stale location B whose touch is due', async () => {
    const { clock, kv, send, login, writesAt } = world();
    const browser = new CookieJar();
    await login(browser);
    clock.advance(kv.propagationMs + SECOND); // the session is everywhere; its touch is due
    const copied = browser.clone(); // another tab, or an attacker holding the cookie
    await send('a', browser, (s) => void s.destroy());
    clock.advance(SECOND);
    // B has not seen the logout yet (KV's bound): it still serves the session, and touches it.
    expect(await send('b', copied.clone())).toBe('ada');
    expect(writesAt('b').length).toBeGreaterThan(0);
    expect(writesAt('b', isRecordKey)).toEqual([]); // a read-only request never rewrites the record
    clock.advance(kv.propagationMs + SECOND);
    for (const where of ['a', 'b', 'c'] as const) expect(await send(where, copied.clone())).toBeUndefined();
    expect(kv.settledKeys().filter(isRecordKey)).toEqual([]);
  });

  it('read-only requests at any location never write the record, however many touches fall due', async () => {
    const { clock, kv, send, login, writesAt } = world();
    const browser = new CookieJar();
    await login(browser);
    for (let i = 0; i < 20; i++) {
      clock.advance(61 * SECOND);
      expect(await send((['a', 'b', 'c'] as const)[i % 3]!, browser)).toBe('ada');
    }
    for (const where of ['a', 'b', 'c']) {
      expect(writesAt(where, (key) => key.includes(':seen:')).length).toBeGreaterThan(0);
      expect(writesAt(where, isRecordKey).length).toBe(where === 'a' ? 1 : 0); // the login's
    }
    // 20 minutes of reads and no data write: alive, on its sliding expiry (idle: 30 minutes).
    clock.advance(kv.propagationMs);
    expect(await send('c', browser)).toBe('ada');
  });

  it('with cacheTtl, a logout elsewhere is final after the propagation bound, not after cacheTtl', async () => {
    const { clock, kv, send, login } = world({ cacheTtl: 300 });
    const browser = new CookieJar();
    await login(browser);
    clock.advance(kv.propagationMs + SECOND);
    expect(await send('b', browser.clone())).toBe('ada'); // its touch was due: B wrote its last-seen key
    clock.advance(SECOND);
    expect(await send('b', browser.clone())).toBe('ada'); // B's edge cache now holds the record for 300 s
    const copied = browser.clone();
    await send('a', browser, (s) => void s.destroy());
    clock.advance(kv.propagationMs + SECOND);
    expect(await send('b', copied.clone())).toBeUndefined();
  });

  it('a data write at a stale location after the logout does not bring the session back (a copied cookie)', async () => {
    const { clock, kv, send, login } = world();
    const browser = new CookieJar();
    await login(browser);
    clock.advance(kv.propagationMs + SECOND);
    const copied = browser.clone();
    await send('a', browser, (s) => void s.destroy());
    clock.advance(SECOND);
    // KV is last-writer-wins: B puts the record back, but the end marker wins every read once it arrives.
    await send('b', copied.clone(), (s) => s.set('n', 1));
    clock.advance(kv.propagationMs + SECOND);
    for (const where of ['a', 'b', 'c'] as const) expect(await send(where, copied.clone())).toBeUndefined();
    // After the marker's hour the record B wrote is long idle (30 minutes): still dead.
    clock.advance(3_600 * SECOND);
    for (const where of ['a', 'b', 'c'] as const) expect(await send(where, copied.clone())).toBeUndefined();
  });

  it("a record lives in KV until the session's absolute deadline: touches keep it, idleness or the deadline end it", async () => {
    const { clock, kv, send, login } = world({}, { idleTimeout: 120, absoluteTimeout: 600 });
    // The first session teaches the store the manager's absolute timeout (the engine's patches carry it).
    const first = new CookieJar();
    await login(first);
    clock.advance(61 * SECOND);
    await send('a', first);
    const recordKeys = () => kv.settledKeys().filter(isRecordKey);
    const before = new Set(recordKeys());
    const browser = new CookieJar();
    await login(browser);
    const mine = recordKeys().filter((key) => !before.has(key));
    expect(mine).toHaveLength(1);
    // Read every 50 s: well past the first idle expiry (120 s), only touches.
    for (let t = 50; t <= 550; t += 50) {
      clock.advance(50 * SECOND);
      expect(await send('a', browser)).toBe('ada');
    }
    clock.advance(60 * SECOND); // past the absolute deadline (600 s)
    expect(await send('a', browser)).toBeUndefined();
    clock.advance(5 * SECOND);
    expect(recordKeys()).not.toContain(mine[0]); // and KV dropped it

    // Idle: a session nobody reads for longer than idleTimeout is dead, its record still in KV or not.
    const idle = new CookieJar();
    await login(idle);
    clock.advance(61 * SECOND);
    expect(await send('a', idle)).toBe('ada');
    clock.advance(121 * SECOND);
    expect(await send('a', idle)).toBeUndefined();
  });
});
