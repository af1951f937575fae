/**
 * Composition guarantees that concern the store (regenerate() only from a
 * record the store still holds; "sign out everywhere else" leaves freshness
 * alone), as cases run against any store: on Node for MemoryStore and
 * stand-ins, in workerd for the Cloudflare stores, against a real Redis.
 */
import { describe, expect, it } from 'vitest';
import {
  createSessionManager,
  readCache,
  type Session,
  type SessionManagerOptions,
  type SessionStore,
} from '../../src/index.ts';
import { Clock, CookieJar, SECRET } from './helpers.ts';

type Data = { userId?: string; cart?: string[]; n?: number; nonce?: string };

export function setup(
  makeStore: (now: () => number) => SessionStore,
  options: Partial<SessionManagerOptions> = {},
) {
  const clock = new Clock();
  const store = makeStore(clock.now);
  const manager = createSessionManager<Data>({ secrets: SECRET, store, now: clock.now, ...options });
  /** Runs `act` as one request of `jar` and lets the jar take the response's cookies. */
  const send = async <T>(jar: CookieJar, act: (s: Session<Data>) => Promise<T> | T): Promise<T> => {
    const session = manager.load(jar.request());
    const result = await act(session);
    jar.absorb(await manager.commit(session, new Response()));
    return result;
  };
  /** Starts a request and returns its session and a function that commits it later into `jar`. */
  const start = (jar: CookieJar) => {
    const session = manager.load(jar.request());
    return {
      session,
      finish: async () => void jar.absorb(await manager.commit(session, new Response())),
    };
  };
  // A user of its own per setup: stores shared by a test file (KV, D1, Durable Objects) keep other tests' sessions.
  const ada = `ada-${crypto.randomUUID()}`;
  const logIn = async (jar = new CookieJar()) => {
    await send(jar, async (s) => {
      await s.regenerate();
      s.set('userId', ada);
    });
    return jar;
  };
  const user = (jar: CookieJar) => send(jar, (s) => s.get('userId'));
  return { clock, store, manager, send, start, logIn, user, ada };
}

/** Runs the store-dependent composition cases on the stores `makeStore` makes. */
export function compositionGuarantees(label: string, makeStore: (now: () => number) => SessionStore): void {
  describe(`regenerate() only from a record the store still holds (${label})`, () => {
    it('a copied cookie pair with a read cache copy cannot regenerate a logged-out session back to life', async () => {
      const { send, logIn, user, ada } = setup(makeStore, { readCache: readCache({ maxAge: 30 }) });
      const victim = await logIn();
      await user(victim); // fills the read cache copy
      const thief = victim.clone();
      await send(victim, (s) => s.destroy());
      // "Renew the id when logged in": the copy says logged in, the store says gone.
      await send(thief, async (s) => {
        if (await s.get('userId')) await s.regenerate();
      });
      expect(await user(thief)).toBeUndefined();
      expect(await send(thief, (s) => s.isFresh(300))).toBe(false);
    });

    it('a request that read the session, then regenerates after another request logged out, does not carry the user', async () => {
      const { send, start, logIn, user, ada } = setup(makeStore);
      const browser = await logIn();
      const lateJar = browser.clone();
      const late = start(lateJar);
      expect(await late.session.get('userId')).toBe(ada);
      await send(browser, (s) => s.destroy());
      void late.session.regenerate();
      await late.finish();
      expect(await user(lateJar)).toBeUndefined();
    });

    it('after revokeUserSessions, a copied pair that regenerates gets an empty session', async () => {
      const { send, manager, logIn, user, ada } = setup(makeStore, { readCache: readCache({ maxAge: 30 }) });
      const victim = await logIn();
      await user(victim);
      const thief = victim.clone();
      await manager.revokeUserSessions(ada);
      await send(thief, async (s) => {
        if (await s.get('userId')) await s.regenerate();
      });
      expect(await user(thief)).toBeUndefined();
    });
  });

  describe(`"sign out everywhere else" and freshness (${label})`, () => {
    it('the kept session keeps its authenticatedAt: a stale session that signs out the others is still not fresh', async () => {
      const { clock, send, manager, logIn, ada } = setup(makeStore);
      const stolen = await logIn();
      await logIn(); // the victim's own device
      clock.advance(600); // past the 300 s freshness window, within the idle timeout
      const handle = await send(stolen, async (s) => (await s.info()).handle);
      expect(await manager.revokeUserSessions(ada, { except: handle })).toBe(1);
      expect(await send(stolen, (s) => s.isFresh(300))).toBe(false);
      expect(await send(stolen, (s) => s.get('userId'))).toBe(ada);
    });
  });
}
