/** The model's world (test/model/model.ts): what it knows of sessions and holders, its requests and its checks. */
import { expect } from 'vitest';
import type { Session, SessionManager, SessionStore } from '../../src/index.ts';
import { Clock } from '../session/helpers.ts';
import { afterResponse, beforeRequest, boundExpired, DbscJar, type DbscWorld, type Jar } from './dbsc.ts';

/**
 * The test clock, never giving the same instant twice: a revocation and a
 * login are never in one millisecond, as they cannot be one after the other
 * in one request on a real clock either.
 */
export class StrictClock extends Clock {
  override readonly now = (): number => ++this.time;
}

export type Data = { userId?: string; n?: number };

/** One session as the model knows it: identity is its id (a regenerate makes a new one). */
export interface Modelled {
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

export const MAX_AGE = 30;
export const USERS = ['ada', 'bob'];

export type StoreOrPerLocation = SessionStore | ((location: string) => SessionStore);

/** A request of `holder`, arriving at its location. */
export const requestOf = (holder: Holder) =>
  holder.jar.request('/', { headers: { 'x-location': holder.location } });

export async function request<T>(
  world: ModelWorld,
  holder: Holder,
  act: (s: Session<Data>) => Promise<T> | T,
) {
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
export function absorb(world: ModelWorld, holder: Holder, response: Response) {
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
export function carriesReusedValue(world: ModelWorld, holder: Holder): boolean {
  const token = tokenOf(holder);
  if (world.rotation === undefined || token === undefined || token.length !== 87) return false;
  const replaced = world.chains.get(token.slice(0, 43))?.replacedAt.get(token.slice(44));
  return replaced !== undefined && world.clock.time >= replaced + (world.rotation.grace + 1) * 1000;
}

/**
 * Whether the holder's cookie carries a value its session has rotated past
 * (in grace or after): `regenerate()` does not carry such a session to a new id.
 */
export function carriesReplacedValue(world: ModelWorld, holder: Holder): boolean {
  const token = tokenOf(holder);
  if (world.rotation === undefined || token === undefined || token.length !== 87) return false;
  return world.chains.get(token.slice(0, 43))?.replacedAt.has(token.slice(44)) === true;
}

/** The `reuseDetected` hook: ends the session in the model; only a session a thief copied is ever flagged. */
export function reuseDetected(world: ModelWorld, handle: string) {
  const session = world.sessions.find((candidate) => candidate.handle === handle);
  expect(session, 'reuseDetected for a session the model knows').toBeDefined();
  expect(session!.stolen, 'an honest browser was flagged').toBe(true);
  end(world, session);
}

/** What a holder reads: its user, counter and authentication time. */
export function observe(world: ModelWorld, holder: Holder) {
  return request(world, holder, async (s) => ({
    user: await s.get('userId'),
    n: await s.get('n'),
    authenticatedAt: (await s.info()).authenticatedAt,
  }));
}

/** Reads as `holder`, and checks the read against the model. */
export async function observeAndCheck(world: ModelWorld, holder: Holder) {
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
export function checkRead(world: ModelWorld, holder: Holder, seen: Awaited<ReturnType<typeof observe>>) {
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
export async function loggedIn(world: ModelWorld, holder: Holder, since: number) {
  const info = await request(world, holder, (s) => s.info());
  expect(info.authenticatedAt, 'authenticatedAt after a login').toBeGreaterThan(since);
  expect(info.authenticatedAt!, 'authenticatedAt after a login').toBeLessThanOrEqual(world.clock.time);
  const bound = info.deviceBound === true;
  // A DBSC browser's login binds its session (registering, or kept by regenerate); no other does.
  if (world.dbsc && !holder.thief) expect(bound, 'bound after a login').toBe(holder.jar instanceof DbscJar);
  return { handle: info.handle!, authenticatedAt: info.authenticatedAt, bound };
}

/** The holder's request adds 1 to its counter; without a live session the write starts a new, anonymous one. */
export async function increment(world: ModelWorld, holder: Holder) {
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

export function end(world: ModelWorld, session: Modelled | undefined) {
  if (session !== undefined && session.endedAt === undefined) session.endedAt = world.clock.now();
}

/** After a login: sessions of `user` the store no longer lists were evicted by the cap. */
export async function noteEvictions(world: ModelWorld, user: string, holder: Holder) {
  const listed = new Set(
    (await world.manager.listSessions(user, { request: requestOf(holder) })).map((info) => info.handle),
  );
  for (const session of world.sessions)
    if (session.user === user && session.endedAt === undefined && !listed.has(session.handle))
      end(world, session);
}
