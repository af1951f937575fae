/**
 * "Your devices" on a store, through the session manager: list, revoke one
 * (only the user's own), revoke all others, the per-user cap, metadata and
 * the lifecycle hooks. No test framework inside, so the same scenario runs
 * under Vitest (Node, workerd) and `deno test`.
 */
import { createSessionManager, type SessionEvent, type SessionStore } from '../../src/index.ts';

const SECRET = 'devices-scenario-secret-0123456789-abcdefgh';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`devices scenario: ${message}`);
}

function same(actual: unknown, expected: unknown, message: string): void {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** Runs the scenario on a fresh store; throws on the first thing that is wrong. */
export async function devicesScenario(store: SessionStore): Promise<void> {
  let time = Date.now();
  const events: SessionEvent[] = [];
  const user = `user-${crypto.randomUUID()}`;
  const sessions = createSessionManager<{ userId?: string }>({
    secrets: SECRET,
    store,
    now: () => time,
    maxSessionsPerUser: 3,
    metadata: (request) => ({ device: request.headers.get('x-device') }),
    hooks: Object.fromEntries(
      (['created', 'regenerated', 'destroyed', 'expired', 'revoked'] as const).map((type) => [
        type,
        (event: SessionEvent) => void events.push(event),
      ]),
    ),
    hookMode: 'await',
  });
  /** A browser: its cookie, and requests that carry it. */
  const device = (name: string) => {
    let cookie = '';
    const send = async (act: (session: ReturnType<typeof sessions.load>) => Promise<void> | void) => {
      time += 61_000; // past the touch interval: every request is "use"
      const session = sessions.load(
        new Request('https://app.example/', { headers: { cookie, 'x-device': name } }),
      );
      await act(session);
      const line = (await sessions.commit(session, new Response())).headers.getSetCookie()[0];
      if (line !== undefined) cookie = line.includes('Max-Age=0') ? '' : line.split(';')[0]!;
      return session;
    };
    /** A request that reads the user (and so uses the session, touching it). */
    const user = async () => {
      let value: string | undefined;
      await send(async (session) => void (value = await session.get('userId')));
      return value;
    };
    return { name, send, user };
  };
  const logIn = async (name: string) => {
    const browser = device(name);
    const session = await browser.send((s) => {
      void s.regenerate();
      s.set('userId', user);
    });
    return { ...browser, handle: session.handle! };
  };

  const a = await logIn('a');
  const b = await logIn('b');
  same(
    events.map((e) => e.type),
    ['created', 'created'],
    'hooks after two logins',
  );
  const current = sessions.load(new Request('https://app.example/', { headers: { cookie: '' } }));
  const listed = await sessions.listSessions(user);
  same(
    listed.map((s) => s.handle),
    [b.handle, a.handle],
    'listSessions, most recent first',
  );
  same(
    listed.map((s) => s.meta),
    [{ device: 'b' }, { device: 'a' }],
    'metadata of each session',
  );
  check(
    listed.every((s) => s.userId === user && s.persistent === false && s.current === undefined),
    'info fields',
  );
  void current;

  // Revoking takes the user's own sessions only; a malformed handle is just unknown.
  same(
    await sessions.revokeSession(b.handle, { userId: 'mallory' }),
    false,
    "revoking another user's session",
  );
  same(await b.user(), user, 'b after a refused revocation');
  same(await sessions.revokeSession('not-a-handle'), false, 'a malformed handle');
  same(await sessions.revokeSession(b.handle, { userId: user }), true, 'revoking b');
  same(await b.user(), undefined, 'b after revocation');
  check(
    events.some((e) => e.type === 'revoked' && e.handle === b.handle),
    'the revoked hook',
  );

  // The cap: a fourth session revokes the least recently used one, never the new one.
  const c = await logIn('c');
  const d = await logIn('d');
  await a.user(); // a is used again: now more recent than c
  const e = await logIn('e');
  same(await c.user(), undefined, 'the least recently used session, over the cap');
  for (const kept of [a, d, e]) same(await kept.user(), user, `session ${kept.name} under the cap`);
  same((await sessions.listSessions(user)).length, 3, 'sessions after the cap');

  // Sign out everywhere else.
  same(await sessions.revokeUserSessions(user, { except: e.handle }), 2, 'revokeUserSessions with except');
  same(await a.user(), undefined, 'a after sign out everywhere else');
  same(await d.user(), undefined, 'd after sign out everywhere else');
  same(await e.user(), user, 'the kept session');

  // Logout and expiry reach the hooks too.
  events.length = 0;
  await e.send((s) => void s.destroy());
  same(
    events.map((event) => [event.type, event.handle]),
    [['destroyed', e.handle]],
    'the destroyed hook',
  );
  const f = await logIn('f');
  time += 31 * 60 * 1000; // past the idle timeout (30 min), within the absolute one (the cookie still verifies)
  await f.user();
  check(
    events.some((event) => event.type === 'expired' && event.handle === f.handle),
    'the expired hook',
  );
}
