/**
 * A model-based test of the session engine on a real store: browsers and
 * thieves holding copied cookie pairs, driven by fast-check against a model
 * of who holds which session, through logins, writes, reads, logouts,
 * regenerations, revocations (one session, all but one, the per-user cap),
 * the read cache on and off, the clock, and requests that overlap.
 *
 * Invariants, checked on every read:
 * - an ended session never reads again once its stated bound has passed
 *   (0 without a read cache or with `checkRevocation`; the cache's `maxAge`
 *   without; a store's own propagation bound on top, e.g. KV's);
 * - no accepted write is lost: a browser reads every increment it made;
 * - `authenticatedAt` moves only at a login (regenerate) by the session's
 *   own request: "sign out everywhere else" does not move it;
 * - a browser never reads older data than a response it has received.
 *
 * With id rotation on (`rotation`), cookie values are followed as the
 * engine rotates them, and also:
 * - an honest browser is never flagged: `reuseDetected` fires only for a
 *   session a thief copied;
 * - a copied value used after the session rotated past it and grace passed
 *   ends the session (the thief's, or the victim's once the thief rotated).
 *
 * With Device Bound Session Credentials on (`dbsc`), some browsers bind
 * their sessions to a device key: see test/model/dbsc.ts.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  createSessionManager,
  deviceBoundSessions,
  readCache,
  type Session,
  type SessionManager,
  type SessionStore,
} from '../../src/index.ts';
import { Clock, CookieJar, SECRET } from '../session/helpers.ts';
import {
  afterResponse,
  beforeRequest,
  boundExpired,
  copiedBinding,
  DbscJar,
  dbscJar,
  dbscWorld,
  thiefRefresh,
  type DbscWorld,
  type Jar,
} from './dbsc.ts';

/**
 * The test clock, never giving the same instant twice: a revocation and a
 * login are never in one millisecond, as they cannot be one after the other
 * in one request on a real clock either.
 */
class StrictClock extends Clock {
  override readonly now = (): number => ++this.time;
}

type Data = { userId?: string; n?: number };

/** One session as the model knows it: identity is its id (a regenerate makes a new one). */
interface Modelled {
  user: string | undefined;
  n: number;
  authenticatedAt: number | undefined;
  handle: string;
  /** When it ended (logout, revocation, cap, moved away by a regenerate, reuse). */
  endedAt?: number;
  /** A thief copied its cookie. */
  stolen?: boolean;
  /** A DBSC browser bound it to its device key. */
  bound?: boolean;
}

/** What the model saw of one session id's rotation: its current value and when each older one was replaced. */
interface Chain {
  current: string;
  replacedAt: Map<string, number>;
}

/** A cookie jar, where its requests arrive, and the session the model says it holds. */
export interface Holder {
  jar: Jar;
  thief: boolean;
  /** The location its requests reach (a store made per request may depend on it: KV's edge locations). */
  location: string;
  session: Modelled | undefined;
  /** A thief's copy of a bound session: when its bound cookie expires, and the DBSC session's identifier. */
  boundUntil?: number;
  dbscId?: string | undefined;
}

export interface ModelWorld {
  clock: Clock;
  manager: SessionManager<Data>;
  browsers: Holder[];
  thieves: Holder[];
  sessions: Modelled[];
  /** Seconds after an end during which a copied pair may still read. */
  bound: number;
  /** The store is eventually consistent: a location may not have seen a recent login yet. */
  eventual: boolean;
  /** Rotation, when on: seconds. */
  rotation: { every: number; grace: number } | undefined;
  /** Rotation chains by session id (the cookie's locator). */
  chains: Map<string, Chain>;
  /** Device Bound Session Credentials, when on. */
  dbsc: DbscWorld | undefined;
  /** A hook's failed expectation (hooks report errors, they do not throw): rethrown after the request. */
  hookError?: unknown;
}

/** How a model run is set up. */
export interface ModelOptions {
  /**
   * A fresh store on the given clock, or a function of the location a
   * request reaches (its `x-location` header) returning that location's store.
   */
  store: (now: () => number) => StoreOrPerLocation | Promise<StoreOrPerLocation>;
  /** Read cache: off, on, or on with checkRevocation. */
  cache: 'off' | 'on' | 'checked';
  /** The store's own bound on top (seconds): KV's propagation. Default 0. */
  storeBound?: number;
  /** Whether the store applies concurrent patches atomically (runs the overlapping-writes command). */
  atomic?: boolean;
  maxSessionsPerUser?: number;
  /** Id rotation with reuse detection (seconds). */
  rotation?: { every: number; grace: number };
  /** Device Bound Session Credentials: browsers 0 and 1 are DBSC browsers; the bound cookie's maxAge (seconds). */
  dbsc?: { maxAge: number };
  /** fast-check runs. */
  numRuns: number;
  /** Most commands in one run. Default 40. */
  maxCommands?: number;
  /** Called after each run (stop timers, close clients). */
  cleanup?: () => Promise<void> | void;
}

const MAX_AGE = 30;
const USERS = ['ada', 'bob'];

type StoreOrPerLocation = SessionStore | ((location: string) => SessionStore);

/** A request of `holder`, arriving at its location. */
const requestOf = (holder: Holder) => holder.jar.request('/', { headers: { 'x-location': holder.location } });

async function request<T>(world: ModelWorld, holder: Holder, act: (s: Session<Data>) => Promise<T> | T) {
  await beforeRequest(world, holder);
  const session = world.manager.load(requestOf(holder));
  const result = await act(session);
  const response = await world.manager.commit(session, new Response());
  absorb(world, holder, response);
  await afterResponse(holder, response);
  if (world.hookError !== undefined) throw world.hookError;
  return result;
}

/** The signed part of the holder's session cookie: `id`, or `id.validator` with rotation. */
function tokenOf(holder: Holder): string | undefined {
  const value = holder.jar.cookies.get('__Host-sid');
  if (value === undefined) return undefined;
  const decoded = decodeURIComponent(value);
  return decoded.slice(0, decoded.lastIndexOf('.'));
}

/** Stores a response's cookies in the holder's jar, noting a rotation of its session's value. */
function absorb(world: ModelWorld, holder: Holder, response: Response) {
  holder.jar.absorb(response);
  const after = tokenOf(holder);
  if (world.rotation === undefined || after === undefined || after.length !== 87) return;
  const id = after.slice(0, 43);
  const value = after.slice(44);
  const chain = world.chains.get(id);
  if (chain === undefined) world.chains.set(id, { current: value, replacedAt: new Map() });
  else if (chain.current !== value && !chain.replacedAt.has(value)) {
    chain.replacedAt.set(chain.current, world.clock.time);
    chain.current = value;
  }
}

/**
 * Whether the holder's cookie carries a value its session rotated past more
 * than grace ago (with a second's margin for the engine's clock readings):
 * using it must end the session.
 */
function carriesReusedValue(world: ModelWorld, holder: Holder): boolean {
  const token = tokenOf(holder);
  if (world.rotation === undefined || token === undefined || token.length !== 87) return false;
  const replaced = world.chains.get(token.slice(0, 43))?.replacedAt.get(token.slice(44));
  return replaced !== undefined && world.clock.time >= replaced + (world.rotation.grace + 1) * 1000;
}

/**
 * Whether the holder's cookie carries a value its session has rotated past
 * (in grace or after): `regenerate()` does not carry such a session to a new id.
 */
function carriesReplacedValue(world: ModelWorld, holder: Holder): boolean {
  const token = tokenOf(holder);
  if (world.rotation === undefined || token === undefined || token.length !== 87) return false;
  return world.chains.get(token.slice(0, 43))?.replacedAt.has(token.slice(44)) === true;
}

/** The `reuseDetected` hook: ends the session in the model; only a session a thief copied is ever flagged. */
function reuseDetected(world: ModelWorld, handle: string) {
  const session = world.sessions.find((candidate) => candidate.handle === handle);
  expect(session, 'reuseDetected for a session the model knows').toBeDefined();
  expect(session!.stolen, 'an honest browser was flagged').toBe(true);
  end(world, session);
}

/** What a holder reads: its user, counter and authentication time. */
function observe(world: ModelWorld, holder: Holder) {
  return request(world, holder, async (s) => ({
    user: await s.get('userId'),
    n: await s.get('n'),
    authenticatedAt: (await s.info()).authenticatedAt,
  }));
}

/** Reads as `holder`, and checks the read against the model. */
async function observeAndCheck(world: ModelWorld, holder: Holder) {
  const reused = carriesReusedValue(world, holder);
  const session = holder.session;
  const live = session !== undefined && session.endedAt === undefined;
  const seen = await observe(world, holder);
  if (reused && live) {
    expect(seen.user, 'a value rotated past grace ago still read').toBeUndefined();
    expect(session.endedAt, 'a value rotated past grace ago did not end its session').toBeDefined();
  }
  checkRead(world, holder, seen);
}

/** Checks a holder's read against the model. */
function checkRead(world: ModelWorld, holder: Holder, seen: Awaited<ReturnType<typeof observe>>) {
  const session = holder.session;
  const now = world.clock.now();
  if (holder.thief && boundExpired(world, holder)) {
    expect(seen.user, 'a copied bound session read after its bound cookie expired').toBeUndefined();
    expect(seen.n, 'a copied bound session read after its bound cookie expired').toBeUndefined();
    return;
  }
  if (session === undefined) {
    expect(seen.user).toBeUndefined();
    return;
  }
  if (session.endedAt !== undefined) {
    if (now >= session.endedAt + world.bound * 1000) {
      expect(seen.user, 'an ended session read after its bound').toBeUndefined();
      expect(seen.n, 'an ended session read after its bound').toBeUndefined();
    } else if (seen.user !== undefined) expect(seen.user).toBe(session.user);
    return;
  }
  // A thief elsewhere on an eventually consistent store may not see a recent login yet.
  if (holder.thief && world.eventual && seen.user === undefined) return;
  expect(seen.user).toBe(session.user);
  if (!holder.thief) {
    // The browser's own writes, none older than a response it received.
    expect(seen.n ?? 0, 'counter').toBe(session.n);
    expect(seen.authenticatedAt, 'authenticatedAt').toBe(session.authenticatedAt);
  }
}

const handleOf = (world: ModelWorld, holder: Holder) =>
  request(world, holder, async (s) => (await s.info()).handle!);

/**
 * The handle and authentication time a login (a regenerate) gave `holder`'s
 * session, checked to fall within the login request (`since`: the clock
 * before it). From then on the model expects that time to stay.
 */
async function loggedIn(world: ModelWorld, holder: Holder, since: number) {
  const info = await request(world, holder, (s) => s.info());
  expect(info.authenticatedAt, 'authenticatedAt after a login').toBeGreaterThan(since);
  expect(info.authenticatedAt!, 'authenticatedAt after a login').toBeLessThanOrEqual(world.clock.time);
  const bound = info.deviceBound === true;
  // A DBSC browser's login binds its session (registering, or kept by regenerate); no other does.
  if (world.dbsc && !holder.thief) expect(bound, 'bound after a login').toBe(holder.jar instanceof DbscJar);
  return { handle: info.handle!, authenticatedAt: info.authenticatedAt, bound };
}

/** The holder's request adds 1 to its counter; without a live session the write starts a new, anonymous one. */
async function increment(world: ModelWorld, holder: Holder) {
  await request(world, holder, (s) => s.increment('n'));
  const session = holder.session;
  if (session !== undefined && session.endedAt === undefined) {
    session.n++;
    return;
  }
  const fresh: Modelled = {
    user: undefined,
    n: 1,
    authenticatedAt: undefined,
    handle: await handleOf(world, holder),
  };
  world.sessions.push(fresh);
  holder.session = fresh;
}

function end(world: ModelWorld, session: Modelled | undefined) {
  if (session !== undefined && session.endedAt === undefined) session.endedAt = world.clock.now();
}

/** After a login: sessions of `user` the store no longer lists were evicted by the cap. */
async function noteEvictions(world: ModelWorld, user: string, holder: Holder) {
  const listed = new Set(
    (await world.manager.listSessions(user, { request: requestOf(holder) })).map((info) => info.handle),
  );
  for (const session of world.sessions)
    if (session.user === user && session.endedAt === undefined && !listed.has(session.handle))
      end(world, session);
}

type Command = fc.AsyncCommand<object, ModelWorld>;
const command = (
  name: string,
  run: (world: ModelWorld) => Promise<void>,
  check: (world: ModelWorld) => boolean = () => true,
): Command => ({
  check: () => true,
  run: async (_m, world) => (check(world) ? run(world) : undefined),
  toString: () => name,
});

function commands(options: ModelOptions) {
  const browser = fc.nat({ max: 2 });
  const thief = fc.nat({ max: 5 });
  const user = fc.constantFrom(...USERS);
  const thiefRead = thief.map((t) =>
    command(
      `thiefRead(${t})`,
      async (world) => {
        const holder = world.thieves[t % world.thieves.length]!;
        await observeAndCheck(world, holder);
      },
      (world) => world.thieves.length > 0,
    ),
  );
  const list: fc.Arbitrary<Command>[] = [
    fc.tuple(browser, user).map(([b, u]) =>
      command(`login(${b}, ${u})`, async (world) => {
        const holder = world.browsers[b]!;
        const before = holder.session;
        const since = world.clock.time;
        const replaced = carriesReplacedValue(world, holder);
        await request(world, holder, async (s) => {
          await s.regenerate();
          s.set('userId', u);
        });
        // Checked after the request: a reused cookie value ends its session in it (rotation),
        // and one in grace starts a new session, leaving the old one to the current value's holder.
        const alive = before !== undefined && before.endedAt === undefined && !replaced;
        // The data moves with a live session; one that ended is not carried over.
        if (alive) end(world, before);
        const session: Modelled = {
          user: u,
          n: alive ? before.n : 0,
          ...(await loggedIn(world, holder, since)),
        };
        world.sessions.push(session);
        holder.session = session;
        await noteEvictions(world, u, holder);
      }),
    ),
    browser.map((b) =>
      command(`write(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await increment(world, holder);
      }),
    ),
    browser.map((b) =>
      command(`read(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await observeAndCheck(world, holder);
      }),
    ),
    browser.map((b) =>
      command(`logout(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await request(world, holder, (s) => s.destroy());
        end(world, holder.session);
        holder.session = undefined;
      }),
    ),
    browser.map((b) =>
      command(`steal(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        if (holder.session !== undefined) holder.session.stolen = true;
        world.thieves.push({
          jar: holder.jar.clone(),
          thief: true,
          location: 'elsewhere',
          session: holder.session,
          ...copiedBinding(world, holder),
        });
      }),
    ),
    thiefRead,
    thief.map((t) =>
      command(
        `thiefRegenerate(${t})`,
        async (world) => {
          const holder = world.thieves[t % world.thieves.length]!;
          const before = holder.session;
          const since = world.clock.time;
          const replaced = carriesReplacedValue(world, holder);
          const renewed = await request(world, holder, async (s) => {
            if ((await s.get('userId')) === undefined) return false;
            await s.regenerate();
            return true;
          });
          if (!renewed) return;
          const alive = before !== undefined && before.endedAt === undefined && !replaced;
          if (alive && before.user !== undefined) {
            end(world, before);
            const { endedAt: _ended, ...rest } = before;
            const moved: Modelled = { ...rest, ...(await loggedIn(world, holder, since)) };
            world.sessions.push(moved);
            holder.session = moved;
          } else {
            // Regenerated from a copy of an ended session: never carries the user.
            const seen = await observe(world, holder);
            expect(seen.user, 'a copied pair regenerated an ended session').toBeUndefined();
            holder.session = undefined;
          }
        },
        (world) => world.thieves.length > 0,
      ),
    ),
    browser.map((b) =>
      command(`revokeOthers(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        const session = holder.session;
        if (session === undefined || session.endedAt !== undefined || session.user === undefined) return;
        await world.manager.revokeUserSessions(session.user, {
          except: session.handle,
          request: requestOf(holder),
        });
        for (const other of world.sessions)
          if (other.user === session.user && other !== session) end(world, other);
      }),
    ),
    fc.tuple(browser, browser).map(([b, target]) =>
      command(`revokeSession(${b} → ${target})`, async (world) => {
        const holder = world.browsers[b]!;
        const victim = world.browsers[target]!.session;
        if (holder.session?.user === undefined || victim === undefined) return;
        // A cookie value rotated past grace ago no longer proves the user (the session ends when it commits).
        const reused = carriesReusedValue(world, holder);
        await beforeRequest(world, holder);
        const current = world.manager.load(requestOf(holder));
        const revoked = await world.manager.revokeSession(victim.handle, { current });
        const mine = victim.user === holder.session.user && victim.endedAt === undefined && !reused;
        // Elsewhere on an eventually consistent store, a recent session may not be seen yet.
        if (holder.session.endedAt === undefined && !world.eventual) expect(revoked).toBe(mine);
        if (revoked) end(world, victim);
      }),
    ),
    fc
      .integer({ min: 1, max: 40 })
      .map((seconds) => command(`advance(${seconds})`, async (world) => world.clock.advance(seconds))),
    // A slow read that loaded before a write of the same browser and answers after it.
    browser.map((b) =>
      command(`slowRead(${b})`, async (world) => {
        const holder = world.browsers[b]!;
        await beforeRequest(world, holder);
        const slow = world.manager.load(requestOf(holder));
        await slow.get('n');
        await increment(world, holder);
        absorb(world, holder, await world.manager.commit(slow, new Response()));
        checkRead(world, holder, await observe(world, holder));
      }),
    ),
  ];
  if (options.atomic) {
    list.push(
      browser.map((b) =>
        command(`overlappingWrites(${b})`, async (world) => {
          const holder = world.browsers[b]!;
          const session = holder.session;
          // (Two writes with a replaced value would each start a new session once grace has passed,
          // which the engine's clock may see a little before the model's margin: not modelled here.)
          if (session === undefined || session.endedAt !== undefined || carriesReplacedValue(world, holder))
            return;
          await beforeRequest(world, holder);
          const [first, second] = [requestOf(holder), requestOf(holder)].map((r) => world.manager.load(r));
          first!.increment('n');
          second!.increment('n');
          const responses = await Promise.all([
            world.manager.commit(first!, new Response()),
            world.manager.commit(second!, new Response()),
          ]);
          for (const response of responses) absorb(world, holder, response);
          session.n += 2;
        }),
      ),
    );
  }
  if (options.dbsc) {
    // Thieves read twice as often: a copied bound cookie has to be tried after it expired.
    list.push(
      thiefRead,
      thief.map((t) =>
        command(
          `thiefRefresh(${t})`,
          (world) => thiefRefresh(world, world.thieves[t % world.thieves.length]!),
          (world) => world.thieves.length > 0,
        ),
      ),
    );
  }
  // Rotation and DBSC need long runs (a login, time past `every` or the bound cookie's maxAge, a
  // copy used on both sides): full-length command lists.
  return fc.commands(list, {
    maxCommands: options.maxCommands ?? 40,
    ...(options.rotation || options.dbsc ? { size: 'max' as const } : {}),
  });
}

/** Runs the model against a store; throws with the failing command sequence. */
export async function runModel(options: ModelOptions): Promise<void> {
  const cacheBound = options.cache === 'on' ? MAX_AGE : 0;
  await fc.assert(
    fc.asyncProperty(commands(options), async (cmds) => {
      const clock = new StrictClock();
      const made = await options.store(clock.now);
      const store =
        typeof made === 'function'
          ? (request: Request) => made(request.headers.get('x-location') ?? 'admin')
          : made;
      let world: ModelWorld | undefined;
      const manager = createSessionManager<Data>({
        secrets: SECRET,
        store,
        now: clock.now,
        idleTimeout: 3600,
        absoluteTimeout: 86_400,
        ...(options.maxSessionsPerUser ? { maxSessionsPerUser: options.maxSessionsPerUser } : {}),
        ...(options.rotation
          ? {
              rotation: options.rotation,
              hookMode: 'await' as const,
              hooks: { reuseDetected: (event) => reuseDetected(world!, event.handle) },
              onHookError: (error: unknown) => void (world!.hookError ??= error),
            }
          : {}),
        ...(options.dbsc ? { deviceBoundSessions: deviceBoundSessions({ cookie: options.dbsc }) } : {}),
        ...(options.cache === 'off'
          ? {}
          : { readCache: readCache({ maxAge: MAX_AGE, checkRevocation: options.cache === 'checked' }) }),
      });
      const dbsc = options.dbsc ? dbscWorld(manager) : undefined;
      world = {
        clock,
        manager,
        browsers: [0, 1, 2].map((i) => ({
          jar: dbsc && i < 2 ? dbscJar(dbsc, clock.now, `location-${i}`) : new CookieJar(),
          thief: false,
          location: `location-${i}`,
          session: undefined,
        })),
        thieves: [],
        sessions: [],
        bound: cacheBound + (options.storeBound ?? 0),
        eventual: (options.storeBound ?? 0) > 0,
        rotation: options.rotation,
        chains: new Map(),
        dbsc,
      };
      try {
        await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
      } finally {
        await options.cleanup?.();
      }
    }),
    { numRuns: options.numRuns },
  );
}

/** Runs per configuration: modest in `npm test`, larger with MODEL_RUNS (npm run model). */
export const MODEL_RUNS = Number(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MODEL_RUNS ?? 25,
);
