/**
 * Device Bound Session Credentials (W3C WebAppSec DBSC), server side: the
 * session is bound to a private key the browser keeps in hardware, and a
 * short-lived bound cookie is renewed only with proof of that key, so a
 * copied cookie jar dies within minutes. Browsers without DBSC never
 * register and see no change.
 *
 * Made by `deviceBoundSessions()` rather than switched on by a plain option,
 * so that apps without it bundle none of it: the engine reaches this folder
 * only through the object the factory returns.
 */
import type { JwsAlgorithm } from '../../crypto/jws.ts';
import { serializeCookie } from '../../cookie/serialize.ts';
import { checkOptionNames } from '../../util/options.ts';
import type {
  BoundRequest,
  CommitPlan,
  CommitResult,
  DeviceBoundSessions,
  RequestContext,
  SessionBackend,
} from '../contracts.ts';
import { applyHeaders } from '../../cookie/cache-control.ts';
import { editHeaders, serializeDeletion } from '../../cookie/headers.ts';
import { getRawCookie } from '../../cookie/canonical.ts';
import { boundCookieName } from './bound-cookie.ts';
import { userIdOf } from '../record.ts';
import { issueChallenge } from './challenge.ts';
import type { DbscConfig } from './config.ts';
import { registrationSubject, serveEndpoint, serverStore } from './endpoints.ts';
import { GatedBackend } from './gate.ts';
import { isPrintable, REGISTRATION_HEADER, registrationHeader } from './headers.ts';

/** Options of {@link deviceBoundSessions}. Durations are in seconds. */
export interface DeviceBoundSessionsOptions {
  /** Path of the registration endpoint (`handle()` and the Hono middleware answer it). Default `/dbsc/register`. */
  registrationPath?: string;
  /** Path of the refresh endpoint. Default `/dbsc/refresh`. */
  refreshPath?: string;
  /** The bound cookie. */
  cookie?: DeviceBoundCookieOptions;
  /** Signature algorithms offered to the browser, in order of preference. Default `['ES256', 'RS256']`. */
  algorithms?: readonly JwsAlgorithm[];
  /** How long a challenge may be used, in seconds (5 to 600). Default 60. */
  challengeTtl?: number;
}

/** The bound cookie of {@link deviceBoundSessions}: the short-lived credential the device key renews. */
export interface DeviceBoundCookieOptions {
  /** Its name. Default: the session cookie's name with `.bound` (`__Host-sid.bound`). Its attributes are the session cookie's. */
  name?: string;
  /**
   * How long one bound cookie lasts, in seconds (30 to 86400): how long a
   * copied cookie jar works, and how often the browser signs a refresh.
   * Default 600 (10 minutes).
   */
  maxAge?: number;
}

const ALGORITHMS: readonly JwsAlgorithm[] = ['ES256', 'RS256'];

function pathOption(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/') || !isPrintable(value) || /[?#\s"\\]/.test(value))
    throw new TypeError(
      `deviceBoundSessions: option ${name} must be a path starting with / (no query, spaces or quotes)`,
    );
  return value;
}

function wholeSeconds(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new TypeError(
      `deviceBoundSessions: option ${name} must be a whole number of seconds from ${min} to ${max}`,
    );
  return value;
}

function configOf(options: DeviceBoundSessionsOptions): DbscConfig {
  if (options === null || typeof options !== 'object')
    throw new TypeError('deviceBoundSessions: options must be an object');
  checkOptionNames('deviceBoundSessions', options, [
    'registrationPath',
    'refreshPath',
    'cookie',
    'algorithms',
    'challengeTtl',
  ]);
  const cookie = options.cookie ?? {};
  if (cookie === null || typeof cookie !== 'object')
    throw new TypeError('deviceBoundSessions: option cookie must be an object');
  checkOptionNames('deviceBoundSessions', cookie, ['name', 'maxAge'], {}, 'cookie.');
  if (cookie.name !== undefined) {
    if (typeof cookie.name !== 'string')
      throw new TypeError('deviceBoundSessions: option cookie.name must be a string');
    try {
      serializeCookie(cookie.name, 'x', { secure: true, path: '/' });
    } catch {
      throw new TypeError(
        'deviceBoundSessions: option cookie.name must be a cookie name (an RFC 9110 token)',
      );
    }
  }
  const algorithms = options.algorithms ?? ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => ALGORITHMS.includes(alg)) ||
    new Set(algorithms).size !== algorithms.length
  ) {
    throw new TypeError(
      "deviceBoundSessions: option algorithms must list 'ES256' and/or 'RS256' (never 'none')",
    );
  }
  const registrationPath = pathOption('registrationPath', options.registrationPath, '/dbsc/register');
  const refreshPath = pathOption('refreshPath', options.refreshPath, '/dbsc/refresh');
  if (registrationPath === refreshPath)
    throw new TypeError('deviceBoundSessions: options registrationPath and refreshPath must differ');
  return {
    registrationPath,
    refreshPath,
    cookieName: cookie.name,
    maxAge: wholeSeconds('cookie.maxAge', cookie.maxAge, 600, 30, 86_400),
    algorithms: [...algorithms],
    challengeTtlMs: wholeSeconds('challengeTtl', options.challengeTtl, 60, 5, 600) * 1000,
  };
}

/**
 * Device Bound Session Credentials (W3C DBSC; README: "Device Bound Session
 * Credentials") for the manager's `deviceBoundSessions` option. At login the
 * response offers the browser registration (`Secure-Session-Registration`);
 * a browser that supports DBSC registers a hardware key at
 * `registrationPath`, and from then on the session is served only with a
 * short-lived bound cookie that the browser renews at `refreshPath` by
 * signing a challenge with that key. `handle()` and the Hono `session()`
 * middleware answer both endpoints before your handler.
 *
 * ```ts
 * createSessionManager({ secrets, store, deviceBoundSessions: deviceBoundSessions({ cookie: { maxAge: 600 } }) });
 * ```
 *
 * @throws TypeError for an unknown option, a path that is not one, an
 *   unknown algorithm, or a lifetime out of range (the message names it).
 */
export function deviceBoundSessions(options: DeviceBoundSessionsOptions = {}): DeviceBoundSessions {
  const config = configOf(options);
  return Object.freeze({
    serve: (context: BoundRequest) => serveEndpoint(config, context),
    guard: (context: RequestContext, backend: SessionBackend) => new GatedBackend(config, context, backend),
    committed: <T extends Response | Headers>(
      context: BoundRequest,
      plan: CommitPlan,
      result: CommitResult,
      target: T,
    ) => offerRegistration(config, context, plan, result, target),
  });
}

/**
 * At login (the session gained a user, or was regenerated) the response
 * offers DBSC registration (DBSC #header-secure-session-registration), with a challenge for this session
 * alone — unless the session is bound already (`regenerate()` keeps the
 * binding) or travels in a header.
 */
async function offerRegistration<T extends Response | Headers>(
  config: DbscConfig,
  context: BoundRequest,
  plan: CommitPlan,
  result: CommitResult,
  target: T,
): Promise<T> {
  if (context.transport !== 'cookie') return target;
  // Logout: the bound cookie goes too, so the browser's next refresh hears
  // the session is gone (401) and ends its DBSC session.
  if (plan.events.destroyed !== undefined) return endBound(config, context, target);
  if (!loggedIn(plan)) return target;
  const write = plan.write;
  const live = result.live ?? (write?.kind === 'patch' ? write.target : undefined);
  if (!live || live.record.deviceBound !== undefined) return target;
  const challenge = await issueChallenge(
    serverStore(context),
    registrationSubject(live.key),
    context.policy.now,
    config.challengeTtlMs,
  );
  const value = registrationHeader(config.algorithms, config.registrationPath, challenge);
  // The challenge is this session's: kept out of shared caches like a Set-Cookie.
  if (target instanceof Response)
    return applyHeaders(editHeaders(target, appendRegistration, value), [], false) as T;
  appendRegistration(target as Headers, value);
  return applyHeaders(target, [], false);
}

/** `target` with the deletion of the request's bound cookie, when it carries one. */
function endBound<T extends Response | Headers>(config: DbscConfig, context: BoundRequest, target: T): T {
  const name = boundCookieName(config, context);
  const header = context.cookieHeader;
  if (header === null || getRawCookie(header, name) === undefined) return target;
  const line = serializeDeletion(name, context.cookie.attributes);
  return applyHeaders(target, [line], true);
}

/**
 * Whether the commit logs the session in: `regenerate()`, a new session with
 * a user, or a write that gives the session a user it did not have — not a
 * write that sets the same user again (no challenge written per request).
 */
function loggedIn(plan: CommitPlan): boolean {
  if (plan.events.regenerated !== undefined) return true;
  const write = plan.write;
  if (!plan.events.userAssigned || write === undefined) return false;
  if (write.kind !== 'patch') return true;
  const user = userIdOf(write.patch.set ?? {}, write.patch.userField);
  return user !== undefined && user !== write.target?.record.userId;
}

function appendRegistration(headers: Headers, value: string): void {
  headers.append(REGISTRATION_HEADER, value);
}
