/**
 * Device Bound Session Credentials in the model (the `dbsc` option of
 * `runModel`): browsers 0 and 1 are DBSC browsers (test/session/dbsc-browser.ts),
 * browser 2 and the thieves are not. A DBSC browser takes up the registration
 * its login response offers, and before each request refreshes a bound
 * cookie that is gone or about to go; both exchanges go through
 * `manager.handle()`, which serves the endpoints. Page requests use the
 * model's own `load()`/`commit()`.
 *
 * Invariants, on top of the model's:
 * - an honest DBSC browser registers at every login, and every refresh of
 *   its live session succeeds (the model's reads then check that it lost
 *   neither its session nor a write);
 * - a thief's copy of a bound session reads nothing once the bound cookie
 *   it copied has expired (nothing at all if it copied none), whatever the
 *   read cache, rotation or regenerate did;
 * - a thief never refreshes a bound cookie: no key of its own passes.
 */
import { expect } from 'vitest';
import type { SessionManager } from '../../src/index.ts';
import { DbscBrowser, makeKeys, signJws, type Fetch } from '../session/dbsc-browser.ts';
import { CookieJar, ORIGIN } from '../session/helpers.ts';
import type { Holder, ModelWorld } from './world.ts';

const BOUND = '__Host-sid.bound';
const REFRESH = '/dbsc/refresh';
/** The browser refreshes this early: the engine's clock readings in one request span milliseconds. */
const MARGIN_MS = 1000;

/** A cookie jar as the model uses it: the plain `CookieJar`, or a DBSC browser's. */
export interface Jar {
  readonly cookies: ReadonlyMap<string, string>;
  request(path?: string, init?: RequestInit): Request;
  absorb(response: Response): unknown;
  clone(): CookieJar;
}

/** A DBSC browser's jar (Max-Age honoured) seen as the model's jar. */
export class DbscJar implements Jar {
  constructor(readonly browser: DbscBrowser) {}

  get cookies(): ReadonlyMap<string, string> {
    return this.browser.steal();
  }

  request(path = '/', init: RequestInit = {}): Request {
    const headers = new Headers(init.headers);
    const cookie = this.browser.cookieHeader();
    if (cookie) headers.set('cookie', cookie);
    return new Request(`${ORIGIN}${path}`, { ...init, headers });
  }

  absorb(response: Response): void {
    this.browser.absorb(response);
  }

  /** What an infostealer copies: every cookie's value, as a plain jar that ignores Max-Age. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.browser.steal()) copy.cookies.set(name, value);
    return copy;
  }
}

/** The endpoints' side of the world: `handle()` of the model's manager. */
export interface DbscWorld {
  app: Fetch;
}

export function dbscWorld(manager: SessionManager<any>): DbscWorld {
  return { app: manager.handle(() => new Response('not an endpoint', { status: 404 })) };
}

/** A DBSC browser whose requests reach `location`. */
export function dbscJar(world: DbscWorld, now: () => number, location: string): DbscJar {
  const fetch: Fetch = (request) => {
    const headers = new Headers(request.headers);
    headers.set('x-location', location);
    return world.app(new Request(request, { headers }));
  };
  return new DbscJar(new DbscBrowser(fetch, now, { alg: 'ES256' }));
}

/** Before a DBSC browser's request: refreshes each DBSC session whose bound cookie is gone or about to go. */
export async function beforeRequest(world: ModelWorld, holder: Holder): Promise<void> {
  if (!(holder.jar instanceof DbscJar)) return;
  const browser = holder.jar.browser;
  for (const session of [...browser.sessions.values()]) {
    const bound = browser.jar.get(session.cookieName);
    if (bound !== undefined && bound.expiresAt > world.clock.time + MARGIN_MS) continue;
    browser.jar.delete(session.cookieName);
    await browser.refresh(session);
  }
  const modelled = holder.session;
  if (modelled?.bound && modelled.endedAt === undefined && !modelled.stolen)
    expect(browser.jar.has(BOUND), 'an honest DBSC browser could not refresh').toBe(true);
}

/** After a DBSC browser's response: takes up a registration offer, which must succeed. */
export async function afterResponse(holder: Holder, response: Response): Promise<void> {
  if (!(holder.jar instanceof DbscJar) || !response.headers.has('secure-session-registration')) return;
  const browser = holder.jar.browser;
  const sent = browser.log.length;
  await browser.takeUp(response);
  expect(browser.log.slice(sent), 'an honest DBSC browser could not register').toEqual([
    'POST /dbsc/register 200',
  ]);
}

/**
 * What a thief copying `victim`'s jar knows of DBSC: until when its copied
 * bound cookie may work (the browser's expiry, never before the server's),
 * and the DBSC session's identifier. Nothing for a session that is not bound.
 */
export function copiedBinding(world: ModelWorld, victim: Holder): Pick<Holder, 'boundUntil' | 'dbscId'> {
  if (!victim.session?.bound || !(victim.jar instanceof DbscJar)) return {};
  const browser = victim.jar.browser;
  browser.cookieHeader(); // drops an expired bound cookie, as the copy does
  return {
    boundUntil: browser.jar.get(BOUND)?.expiresAt ?? world.clock.time,
    dbscId: [...browser.sessions.keys()].at(-1),
  };
}

/** Whether the thief's copied bound cookie has expired: its copy of a bound session must read nothing. */
export const boundExpired = (world: ModelWorld, holder: Holder): boolean =>
  holder.boundUntil !== undefined && world.clock.time >= holder.boundUntil;

/** A thief tries the refresh endpoint with its copy and a key of its own: never a bound cookie. */
export async function thiefRefresh(world: ModelWorld, holder: Holder): Promise<void> {
  if (world.dbsc === undefined || holder.dbscId === undefined) return;
  const app = world.dbsc.app;
  const post = (headers: Record<string, string>) =>
    app(
      holder.jar.request(REFRESH, {
        method: 'POST',
        headers: {
          ...headers,
          'sec-secure-session-id': holder.dbscId!,
          origin: ORIGIN,
          'x-location': holder.location,
        },
      }),
    );
  const asked = await post({});
  expect(asked.headers.getSetCookie(), 'a refresh without a proof set a cookie').toEqual([]);
  const challenge = /^"([^"]*)"/.exec(asked.headers.get('secure-session-challenge') ?? '')?.[1];
  if (challenge === undefined) return;
  const keys = await makeKeys('ES256');
  const proof = await signJws(keys, 'ES256', { typ: 'dbsc+jwt' }, { jti: challenge });
  const refused = await post({ 'secure-session-response': proof });
  expect(refused.status, "a thief's key refreshed a bound cookie").not.toBe(200);
  expect(refused.headers.getSetCookie(), "a thief's key refreshed a bound cookie").toEqual([]);
}
