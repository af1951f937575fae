/**
 * Per-session persistence ("remember me"), and the Flask seed this project
 * grew from: `session.permanent = True` with `permanent_session_lifetime =
 * timedelta(minutes=20)`.
 */
import { describe, expect, it } from 'vitest';
import {
  CookieStore,
  createSessionManager,
  MemoryStore,
  type SessionManagerOptions,
  type SessionStore,
} from '../../src/index.ts';
import { Clock, CookieJar, SECRET } from './helpers.ts';

type Data = { user?: string };

function setup(
  options: Partial<SessionManagerOptions> = {},
  store: SessionStore | CookieStore = new MemoryStore(),
) {
  const clock = new Clock();
  const manager = createSessionManager<Data>({ secrets: SECRET, store, now: clock.now, ...options });
  const browser = new CookieJar();
  const lines: string[][] = [];
  const send = async (
    act: (session: ReturnType<typeof manager.load>) => Promise<void> | void = async (s) =>
      void (await s.get('user')),
  ) => {
    const session = manager.load(browser.request());
    await act(session);
    const response = await manager.commit(session, new Response());
    lines.push(response.headers.getSetCookie());
    browser.absorb(response);
    return session;
  };
  const maxAge = () => {
    const line = lines.at(-1)?.find((l) => l.startsWith('__Host-sid'));
    return line === undefined ? undefined : Number(/Max-Age=(\d+)/.exec(line)?.[1] ?? Number.NaN);
  };
  const user = async () => manager.load(browser.request()).get('user');
  return { clock, manager, browser, send, lines, maxAge, user };
}

const MINUTE = 60;

describe('the Flask seed: a permanent session with a 20-minute lifetime', () => {
  for (const [label, options, login] of [
    [
      'the manager default (cookie.persistent)',
      { idleTimeout: 20 * MINUTE, cookie: { persistent: true } },
      () => undefined,
    ],
    [
      'per session (persist)',
      {},
      (s: { persist(l: object): void }) => s.persist({ idleTimeout: 20 * MINUTE }),
    ],
  ] as const) {
    it(`${label}: Max-Age=1200, alive at 19 minutes with activity, refused after 20 idle minutes`, async () => {
      const { clock, send, maxAge, user } = setup(options);
      await send((s) => {
        s.set('user', 'ada');
        login(s);
      });
      expect(maxAge()).toBe(1200);
      for (let i = 0; i < 5; i++) {
        clock.advance(19 * MINUTE);
        expect(await user()).toBe('ada');
        await send(); // activity: the session, and its cookie, slide
        expect(maxAge()).toBe(1200);
      }
      clock.advance(20 * MINUTE);
      expect(await user()).toBeUndefined();
    });
  }
});

describe('session.persist()', () => {
  it('makes one session persistent, remembered in the record, surviving regenerate(); persist(false) undoes it', async () => {
    const { send, maxAge, lines } = setup({ idleTimeout: 30 * MINUTE });
    await send((s) => s.set('user', 'ada'));
    expect(maxAge()).toBeNaN(); // a browser-session cookie
    await send((s) =>
      s.persist({ idleTimeout: 30 * 24 * 60 * MINUTE, absoluteTimeout: 90 * 24 * 60 * MINUTE }),
    );
    expect(maxAge()).toBe(30 * 24 * 60 * 60); // sent again at once, persistent now
    const after = await send(async (s) => {
      await s.regenerate();
    });
    expect(maxAge()).toBe(30 * 24 * 60 * 60);
    expect((await after.info()).persistent).toBe(true);
    await send((s) => s.persist(false));
    expect(lines.at(-1)).toHaveLength(1);
    expect(maxAge()).toBeNaN();
  });

  it("its own lifetime is enforced on the server: a remembered session outlives the manager's idle timeout, an ordinary one does not", async () => {
    const { clock, send, user } = setup({ idleTimeout: 10 * MINUTE });
    await send((s) => {
      s.set('user', 'ada');
      s.persist({ idleTimeout: 60 * MINUTE });
    });
    clock.advance(59 * MINUTE);
    expect(await user()).toBe('ada');
    await send();
    clock.advance(61 * MINUTE);
    expect(await user()).toBeUndefined();
  });

  it('never outlives the absolute lifetime, and is capped at 400 days', async () => {
    const { clock, send, maxAge } = setup({ idleTimeout: 30 * MINUTE });
    await send((s) => {
      s.set('user', 'ada');
      s.persist({ idleTimeout: 10 * 24 * 60 * MINUTE, absoluteTimeout: 12 * 24 * 60 * MINUTE });
    });
    expect(maxAge()).toBe(10 * 24 * 60 * 60);
    clock.advance(5 * 24 * 60 * MINUTE);
    await send();
    expect(maxAge()).toBe(7 * 24 * 60 * 60); // the 12-day lifetime has 7 days left
    await send((s) =>
      s.persist({ idleTimeout: 1000 * 24 * 60 * MINUTE, absoluteTimeout: 2000 * 24 * 60 * MINUTE }),
    );
    expect(maxAge()).toBe(400 * 24 * 60 * 60);
  });

  it('sends the sliding cookie again at most once per touchInterval', async () => {
    const { clock, send, lines } = setup({ idleTimeout: 30 * MINUTE, touchInterval: 60 });
    await send((s) => {
      s.set('user', 'ada');
      s.persist();
    });
    lines.length = 0;
    for (let i = 0; i < 100; i++) {
      clock.advance(5);
      await send();
    }
    const resent = lines.filter((l) => l.length > 0).length;
    expect(resent).toBeGreaterThanOrEqual(8);
    expect(resent).toBeLessThanOrEqual(9);
  });

  it('works the same with the cookie store', async () => {
    const { send, maxAge } = setup({ idleTimeout: 30 * MINUTE }, new CookieStore());
    await send((s) => {
      s.set('user', 'ada');
      s.persist({ idleTimeout: 7 * 24 * 60 * MINUTE, absoluteTimeout: 30 * 24 * 60 * MINUTE });
    });
    expect(maxAge()).toBe(7 * 24 * 60 * 60);
  });

  it('refuses a lifetime that is not whole seconds', () => {
    const { manager } = setup();
    const session = manager.load(new Request('https://a.example/'));
    expect(() => session.persist({ idleTimeout: 0 })).toThrow(/idleTimeout must be a positive whole number/);
    expect(() => session.persist({ absoluteTimeout: 1.5 })).toThrow(/absoluteTimeout/);
  });
});
