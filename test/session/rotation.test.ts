/**
 * Id rotation with reuse detection: the cookie's value changes every
 * `every` seconds, the replaced one works for `grace` seconds, and after
 * that it ends the whole session — for whoever holds the newest value too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CookieStore,
  createSessionManager,
  readCache,
  type RotationOptions,
  type SessionEvent,
  type SessionManagerOptions,
  type SessionStore,
} from '../../src/index.ts';
import { Clock, CookieJar, SECRET, SpyStore } from './helpers.ts';

type Data = { userId?: string; n?: number; note?: string };
const SID = '__Host-sid';

/** A manager rotating every 60 s with 10 s of grace, on `store` and `clock`, that logs `reuseDetected` into `events`. */
function rotatingManager(
  store: SessionStore,
  clock: Clock,
  events: SessionEvent[],
  options: Partial<SessionManagerOptions> = {},
) {
  return createSessionManager<Data>({
    secrets: SECRET,
    store,
    now: clock.now,
    idleTimeout: 3600,
    rotation: { every: 60, grace: 10 },
    hookMode: 'await',
    hooks: { reuseDetected: (event) => void events.push(event) },
    ...options,
  });
}

function setup(
  options: Partial<SessionManagerOptions> = {},
  store = new SpyStore({ indexed: true, move: true }),
) {
  const clock = new Clock();
  const events: SessionEvent[] = [];
  const manager = rotatingManager(store, clock, events, options);
  /** One request: runs `act`, commits, and returns the response (the jar is not updated). */
  const request = async (
    jar: CookieJar,
    act: (s: ReturnType<typeof manager.load>) => Promise<void> | void,
  ) => {
    const session = manager.load(jar.request());
    await act(session);
    return manager.commit(session, new Response());
  };
  const send = async (jar: CookieJar, act: (s: ReturnType<typeof manager.load>) => Promise<void> | void) => {
    const response = await request(jar, act);
    jar.absorb(response);
    return response;
  };
  const user = async (jar: CookieJar) => {
    let value: string | undefined;
    await send(jar, async (s) => void (value = await s.get('userId')));
    return value;
  };
  const logIn = async (jar = new CookieJar(), id = 'ada') => {
    await send(jar, async (s) => {
      await s.regenerate();
      s.set('userId', id);
    });
    return jar;
  };
  return { clock, store, manager, events, request, send, user, logIn };
}

const sessionCookie = (response: Response) =>
  response.headers.getSetCookie().filter((line) => line.startsWith(`${SID}=`));
/** The signed value's id part, `id` or `id.validator`, before the signature. */
const tokenOf = (jar: CookieJar) => {
  const value = decodeURIComponent(jar.cookies.get(SID)!);
  return value.slice(0, value.lastIndexOf('.'));
};

describe('id rotation', () => {
  it('gives an old session a new cookie value on its next request, data, handle and timestamps kept', async () => {
    const { clock, manager, send, logIn, user } = setup();
    const browser = await logIn();
    const first = browser.cookies.get(SID)!;
    expect(tokenOf(browser)).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    const infoBefore = await manager.load(browser.request()).info();
    clock.advance(30);
    const early = await send(browser, async (s) => void (await s.get('userId')));
    expect(sessionCookie(early)).toEqual([]); // not due yet
    clock.advance(31);
    const rotated = await send(browser, async (s) => void (await s.get('userId')));
    expect(sessionCookie(rotated)).toHaveLength(1);
    expect(browser.cookies.get(SID)).not.toBe(first);
    expect(tokenOf(browser).slice(0, 43)).toBe(
      tokenOf(new CookieJar().absorb(new Headers([['set-cookie', `${SID}=${first}`]]))).slice(0, 43),
    );
    expect(await user(browser)).toBe('ada');
    const info = await manager.load(browser.request()).info();
    expect(info.handle).toBe(infoBefore.handle);
    expect(info.createdAt).toBe(infoBefore.createdAt);
    expect(info.authenticatedAt).toBe(infoBefore.authenticatedAt);
    expect(info.lastSeenAt).toBe(clock.time);
  });

  it('keeps accepting the replaced value within grace, without setting the cookie; after grace it ends the session', async () => {
    const { clock, send, request, logIn, user, events } = setup();
    const browser = await logIn();
    const stale = browser.clone();
    clock.advance(61);
    await send(browser, async (s) => void (await s.get('userId')));
    clock.advance(9);
    // A request sent before the rotation answered: served, but no Set-Cookie puts the old value back.
    let seen: string | undefined;
    const late = await request(stale, async (s) => {
      seen = await s.get('userId');
      s.set('note', 'written in grace');
    });
    expect(seen).toBe('ada');
    expect(sessionCookie(late)).toEqual([]);
    let note: string | undefined;
    await send(browser, async (s) => void (note = await s.get('note')));
    expect(note).toBe('written in grace');
    expect(events).toEqual([]);
    clock.advance(2); // grace over
    expect(await user(stale)).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(await user(browser)).toBeUndefined(); // the newest value is dead too
  });

  it('reuse after grace ends the session for both holders and fires reuseDetected with user and handle', async () => {
    const { clock, manager, send, logIn, user, events } = setup();
    const victim = await logIn();
    const thief = victim.clone();
    const { handle } = await manager.load(victim.request()).info();
    clock.advance(61);
    expect(await user(victim)).toBe('ada'); // rotates
    clock.advance(11);
    const response = await send(thief, async (s) => void (await s.get('userId')));
    // The cookie is left alone (its session is gone; a concurrent response may have set a newer one).
    expect(sessionCookie(response)).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'reuseDetected', userId: 'ada', handle });
    expect(events[0]!.request).toBeInstanceOf(Request);
    expect(await user(victim)).toBeUndefined();
    expect(await manager.listSessions('ada')).toEqual([]);
  });

  for (const first of ['thief', 'victim'] as const) {
    it(`reveals a copied cookie whichever side rotates first (${first} first)`, async () => {
      const { clock, user, logIn, events } = setup();
      const victim = await logIn();
      const thief = victim.clone();
      clock.advance(61);
      const [a, b] = first === 'thief' ? [thief, victim] : [victim, thief];
      expect(await user(a)).toBe('ada'); // rotates, a gets the new value
      clock.advance(11);
      expect(await user(b)).toBeUndefined(); // b's value is past grace: reuse
      expect(events.map((event) => event.type)).toEqual(['reuseDetected']);
      expect(await user(a)).toBeUndefined();
    });
  }

  it('a thief whose copy is used within grace is caught on the next request after grace', async () => {
    const { clock, user, logIn, events } = setup();
    const victim = await logIn();
    const thief = victim.clone();
    clock.advance(61);
    expect(await user(victim)).toBe('ada');
    clock.advance(5);
    expect(await user(thief)).toBe('ada'); // in grace, and it never rotates
    clock.advance(6);
    expect(await user(thief)).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  for (const atomic of [true, false]) {
    it(`two requests rotating at once get the same next value and neither is flagged (${atomic ? 'atomic update' : 'read-then-set'})`, async () => {
      const store = new SpyStore({ indexed: true, atomic });
      const { clock, request, user, logIn, events } = setup({}, store);
      const browser = await logIn();
      clock.advance(61);
      const [one, two] = await Promise.all([
        request(browser, async (s) => void (await s.get('userId'))),
        request(browser, async (s) => {
          await s.get('userId');
          s.increment('n');
        }),
      ]);
      const valueOf = (response: Response) => new CookieJar().absorb(response).cookies.get(SID);
      expect(valueOf(one)).toBeDefined();
      expect(valueOf(one)).toBe(valueOf(two));
      browser.absorb(two);
      clock.advance(30);
      expect(await user(browser)).toBe('ada');
      browser.absorb(one);
      expect(await user(browser)).toBe('ada');
      expect(events).toEqual([]);
    });
  }

  it('never flags a browser that stores every Set-Cookie, with overlapping requests at every rotation (in any order)', async () => {
    const request = fc.record({
      offset: fc.integer({ min: 0, max: 9 }),
      act: fc.constantFrom('read', 'write', 'persist'),
      order: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 1, max: 70 }),
            requests: fc.array(request, { minLength: 1, maxLength: 4 }),
          }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (persistent, steps) => {
          // A persistent cookie is also sent again as it slides (touchInterval 5 s).
          const {
            clock,
            request: send,
            logIn,
            events,
            user,
          } = setup(persistent ? { cookie: { persistent: true }, touchInterval: 5 } : {});
          const browser = await logIn();
          for (const { gap, requests } of steps) {
            clock.advance(gap);
            const start = clock.time;
            // Requests leave with the cookie the browser holds now and reach the
            // server `offset` s later (in that order); their responses then
            // arrive in any order, each stored as it comes.
            const cookie = browser.clone();
            const answered: { order: number; response: Response }[] = [];
            for (const { offset, act, order } of [...requests].sort((x, y) => x.offset - y.offset)) {
              clock.time = start + offset * 1000;
              const response = await send(cookie, async (s) => {
                await s.get('userId');
                if (act === 'write') s.increment('n');
                if (act === 'persist') s.persist();
              });
              answered.push({ order, response });
            }
            clock.time = start + 9000;
            for (const { response } of answered.sort((x, y) => x.order - y.order)) browser.absorb(response);
          }
          clock.advance(1);
          expect(await user(browser)).toBe('ada');
          expect(events).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rotates a session made before rotation was on, first at createdAt + every, and accepts its old value in grace', async () => {
    const clock = new Clock();
    const store = new SpyStore({ indexed: true });
    const plain = createSessionManager<Data>({ secrets: SECRET, store, now: clock.now, idleTimeout: 3600 });
    const browser = new CookieJar();
    const login = plain.load(browser.request());
    login.set('userId', 'ada');
    browser.absorb(await plain.commit(login, new Response()));
    expect(tokenOf(browser)).toHaveLength(43);
    const events: SessionEvent[] = [];
    const rotating = rotatingManager(store, clock, events);
    const read = async (jar: CookieJar) => {
      const session = rotating.load(jar.request());
      const value = await session.get('userId');
      jar.absorb(await rotating.commit(session, new Response()));
      return value;
    };
    const stale = browser.clone();
    clock.advance(30);
    expect(await read(browser)).toBe('ada');
    expect(tokenOf(browser)).toHaveLength(43); // not due yet
    clock.advance(31);
    expect(await read(browser)).toBe('ada');
    expect(tokenOf(browser)).toHaveLength(87);
    clock.advance(5);
    expect(await read(stale)).toBe('ada'); // the pre-rotation value, in grace
    clock.advance(6);
    expect(await read(stale)).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  it('regenerate() starts a fresh rotation under the new id; the old id is simply gone', async () => {
    const { clock, manager, send, user, logIn, events } = setup();
    const browser = await logIn();
    clock.advance(61);
    await user(browser); // rotated once
    const old = browser.clone();
    const before = await manager.load(browser.request()).info();
    await send(browser, async (s) => void (await s.regenerate()));
    const after = await manager.load(browser.request()).info();
    expect(after.handle).not.toBe(before.handle);
    expect(tokenOf(browser)).toHaveLength(87);
    expect(await user(browser)).toBe('ada');
    clock.advance(59);
    expect(await user(browser)).toBe('ada'); // the new id's rotation started at regenerate
    expect(await user(old)).toBeUndefined(); // an id regenerated away is gone, not "reused"
    expect(events).toEqual([]);
  });

  it('regenerate() with a value in grace starts a new, empty session: a thief cannot carry the session away', async () => {
    const { clock, manager, send, user, logIn, events } = setup();
    const victim = await logIn();
    const thief = victim.clone();
    clock.advance(61);
    expect(await user(victim)).toBe('ada'); // rotates
    clock.advance(5);
    let before: string | undefined;
    await send(thief, async (s) => {
      before = await s.get('userId'); // served in grace
      await s.regenerate();
    });
    expect(before).toBe('ada');
    expect(await user(thief)).toBeUndefined(); // a new session, without the victim's data
    expect(await user(victim)).toBe('ada'); // the victim's session is untouched
    expect(await manager.listSessions('ada')).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('lists one device per session across rotations, and revocation ends every value', async () => {
    const { clock, manager, user, logIn, events } = setup();
    const laptop = await logIn();
    const phone = await logIn();
    for (let i = 0; i < 5; i++) {
      clock.advance(61);
      expect(await user(laptop)).toBe('ada');
      expect(await user(phone)).toBe('ada');
    }
    const sessions = await manager.listSessions('ada');
    expect(sessions).toHaveLength(2);
    const laptopHandle = (await manager.load(laptop.request()).info()).handle;
    expect(await manager.revokeSession(laptopHandle, { userId: 'ada' })).toBe(true);
    expect(await user(laptop)).toBeUndefined();
    expect(await user(phone)).toBe('ada');
    expect(events).toEqual([]); // a revoked session is not a reuse
  });

  it('the per-user cap counts sessions, not cookie values', async () => {
    const { clock, manager, user, logIn } = setup({ maxSessionsPerUser: 2 });
    const a = await logIn();
    clock.advance(61);
    expect(await user(a)).toBe('ada');
    const b = await logIn();
    clock.advance(61);
    expect(await user(a)).toBe('ada');
    expect(await user(b)).toBe('ada');
    expect(await manager.listSessions('ada')).toHaveLength(2);
    const c = await logIn();
    expect(await manager.listSessions('ada')).toHaveLength(2);
    expect(await user(c)).toBe('ada');
    expect([await user(a), await user(b)].filter(Boolean)).toHaveLength(1);
  });

  it('with the read cache, a copy is never used once the rotation is due, nor for a value past grace', async () => {
    const store = new SpyStore({ indexed: true });
    const { clock, user, logIn, events } = setup({ readCache: readCache({ maxAge: 300 }) }, store);
    const victim = await logIn();
    const thief = victim.clone();
    expect(await user(victim)).toBe('ada'); // fills the copy
    store.reset();
    clock.advance(30);
    expect(await user(victim)).toBe('ada');
    expect(store.count('get')).toBe(0); // served by the copy
    clock.advance(31);
    expect(await user(victim)).toBe('ada'); // due: to the store, rotated
    expect(store.count('get')).toBeGreaterThan(0);
    clock.advance(11);
    // The thief's copy is older than the rotation: it is due, so it goes to the store, which says reuse.
    expect(await user(thief)).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(await user(victim)).toBeUndefined();
  });

  it('session tokens in a header do not rotate and are not flagged; a cookie value sent in the header is checked', async () => {
    const { clock, manager, send, logIn, events } = setup({ sessionToken: { header: 'authorization' } });
    const browser = await logIn();
    let token = '';
    await send(browser, async (s) => void (token = await s.token({ exposeCookieValue: true })));
    const viaHeader = async (value: string) => {
      const session = manager.load(
        new Request('https://app.example/', { headers: { authorization: `Bearer ${value}` } }),
      );
      const user = await session.get('userId');
      const response = await manager.commit(session, new Response());
      return { user, response };
    };
    const stolen = browser.cookies.get(SID)!;
    for (let i = 0; i < 3; i++) {
      clock.advance(61);
      const { user, response } = await viaHeader(token);
      expect(user).toBe('ada');
      expect(sessionCookie(response)).toEqual([]);
    }
    const fresh = await send(browser, async (s) => void (await s.get('userId')));
    expect(sessionCookie(fresh)).toHaveLength(1); // the cookie rotates
    clock.advance(11);
    expect((await viaHeader(decodeURIComponent(stolen))).user).toBeUndefined();
    expect(events).toHaveLength(1);
  });

  it('a request that only writes is checked too: a stale value cannot write into the session', async () => {
    const { clock, send, user, logIn, events } = setup();
    const victim = await logIn();
    const thief = victim.clone();
    clock.advance(61);
    await user(victim);
    clock.advance(11);
    await send(thief, (s) => void s.set('note', 'from the thief'));
    expect(events).toHaveLength(1);
    expect(await user(victim)).toBeUndefined();
  });

  it('a tampered or truncated value is not ours: no session, no reuse flag', async () => {
    const { user, logIn, events } = setup();
    const browser = await logIn();
    const value = browser.cookies.get(SID)!;
    for (const bad of [
      value.slice(0, 60),
      value.replace(/\.([^.])/, (_, c: string) => (c === 'A' ? '.B' : '.A')),
      `${value.slice(0, 44)}${value.slice(45)}`,
    ]) {
      const jar = browser.clone();
      jar.cookies.set(SID, bad);
      expect(await user(jar)).toBeUndefined();
    }
    expect(events).toEqual([]);
    expect(await user(browser)).toBe('ada');
  });

  it('validates its options, naming them', () => {
    const make = (rotation: unknown) => () =>
      createSessionManager({ secrets: SECRET, rotation: rotation as RotationOptions });
    expect(make({ every: 60, grace: 60 })).toThrow(
      /rotation\.grace \(60 s\) must be shorter than rotation\.every/,
    );
    expect(make({ every: 60, grace: 0 })).toThrow(/rotation\.grace/);
    expect(make({ grace: 10 })).toThrow(/rotation\.every/);
    expect(make({ every: 1.5 })).toThrow(/rotation\.every/);
    expect(make({ every: 60, gracePeriod: 5 })).toThrow(/rotation\.gracePeriod/);
    expect(make(60)).toThrow(/option rotation/);
    expect(make({ every: 60 })).not.toThrow();
    expect(make({ every: 30 })).not.toThrow(); // grace defaults below every
    expect(() =>
      createSessionManager({ secrets: SECRET, store: new CookieStore(), rotation: { every: 60 } }),
    ).toThrow(/rotation needs a server-side store/);
  });

  it('a CookieStore made per request is refused at its first store call', async () => {
    const manager = createSessionManager({
      secrets: SECRET,
      store: () => new CookieStore(),
      rotation: { every: 60 },
    });
    const session = manager.load(new Request('https://a.example/'));
    session.set('n', 1);
    await expect(manager.commit(session, new Response())).rejects.toThrow(
      /option rotation needs a server-side store/,
    );
  });
});
