/**
 * A store behind the session engine, the same on every runtime (Web APIs and
 * the sources only, no test runner): log in with a new id, 50 concurrent
 * increments, "sign out everywhere else" (freshness untouched), log out, a
 * request that read before the logout and regenerates after it (nothing
 * carried over), replay the old cookie. Throws on the first surprise.
 * Run by the Redis store's tests under Node, Bun and Deno, and by the Deno KV store's.
 */
import { createSessionManager, type SessionStore } from '../../src/index.ts';

function same(actual: unknown, expected: unknown, what: string): void {
  const [a, b] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== b) throw new Error(`${what}: expected ${b}, received ${a}`);
}

export async function engineRoundTrip(
  store: SessionStore & Required<Pick<SessionStore, 'listByUser'>>,
): Promise<void> {
  const sessions = createSessionManager<{ userId?: string; n?: number }>({
    secrets: 'engine-round-trip-secret-0123456789-abcdef',
    store,
  });
  const app = sessions.handle(async (request, _env, _ctx, session) => {
    const path = new URL(request.url).pathname;
    if (path === '/login') {
      await session.regenerate();
      session.set('userId', 'ada');
    } else if (path === '/count') session.increment('n');
    else if (path === '/logout') await session.destroy();
    return Response.json({ userId: (await session.get('userId')) ?? null, n: (await session.get('n')) ?? 0 });
  });
  const request = async (path: string, cookie?: string) =>
    app(new Request(`https://app.example${path}`, { headers: cookie ? { cookie } : {} }));
  const cookie = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
  await Promise.all(Array.from({ length: 50 }, () => request('/count', cookie)));
  same(await (await request('/', cookie)).json(), { userId: 'ada', n: 50 }, 'after 50 concurrent increments');
  same((await store.listByUser('ada')).length, 1, "ada's sessions");
  // "Sign out everywhere else" keeps this session and its authenticatedAt (what isFresh reads).
  const other = (await request('/login')).headers.getSetCookie()[0]!.split(';')[0]!;
  const info = async (c: string) =>
    sessions.load(new Request('https://app.example/', { headers: { cookie: c } })).info();
  const before = await info(cookie);
  same(
    await sessions.revokeUserSessions('ada', { except: before.handle! }),
    1,
    'sessions revoked but this one',
  );
  same((await info(cookie)).authenticatedAt, before.authenticatedAt, 'authenticatedAt of the kept session');
  same(
    await (await request('/', other)).json(),
    { userId: null, n: 0 },
    'the other session after revocation',
  );
  // A request that read the session before the logout and regenerates after it.
  const late = sessions.load(new Request('https://app.example/', { headers: { cookie } }));
  same(await late.get('userId'), 'ada', 'the late request read the session');
  await request('/logout', cookie);
  void late.regenerate();
  const renewed = (await sessions.commit(late, new Response())).headers.getSetCookie()[0]?.split(';')[0];
  same(await (await request('/', renewed)).json(), { userId: null, n: 0 }, 'a regenerate after the logout');
  same(await (await request('/', cookie)).json(), { userId: null, n: 0 }, 'the old cookie after logout');
  same(await store.listByUser('ada'), [], "ada's sessions after logout");
}
