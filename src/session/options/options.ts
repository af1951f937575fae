/** Session manager options: their types, defaults and validation. */
import type { CookieOptions } from '../../cookie/serialize.ts';
import type { Keyring } from '../../crypto/keyring.ts';
import type { CookieStore } from '../backend/cookie.ts';
import { SESSION_EVENT_TYPES, type HookRunner, type SessionEvent, type SessionHooks } from '../lifecycle.ts';
import type { DeviceBoundSessions, ReadCache } from '../contracts.ts';
import type { SessionStore } from '../types.ts';
import { checkOptionNames } from '../../util/options.ts';
import { resolveCookie, type SessionCookieOptions } from './cookie.ts';

export { cookieAttributesOf, type SessionCookieOptions } from './cookie.ts';
import { crossOriginPolicyOf, type CrossOriginMode, type CrossOriginPolicy } from '../guards/cross-origin.ts';
import { keyringSource, type SecretsOption } from './secrets.ts';
import { rotationPolicyOf, type RotationOptions, type RotationPolicy } from '../rotation.ts';
import {
  deviceBoundOf,
  readCacheOf,
  transportOf,
  type SessionMetadata,
  type SessionTokenOptions,
  type Transport,
} from './checks.ts';

export type { SessionMetadata, SessionTokenOptions };
export { checkMetadata, MAX_METADATA_LENGTH } from './checks.ts';

/** Every option name of {@link createSessionManager}: any other is refused. */
export const MANAGER_OPTION_NAMES = [
  'secrets',
  'store',
  'cookie',
  'idleTimeout',
  'absoluteTimeout',
  'touchInterval',
  'userField',
  'now',
  'metadata',
  'maxSessionsPerUser',
  'hooks',
  'hookMode',
  'onHookError',
  'sessionToken',
  'readCache',
  'deviceBoundSessions',
  'crossOrigin',
  'trustedOrigins',
  'trustProxy',
  'rotation',
] as const;

/** A store, or a function that picks one per request (e.g. from Worker bindings). */
export type StoreOption<Env> =
  | SessionStore
  | CookieStore
  | ((request: Request, env: Env) => SessionStore | CookieStore);

/** Options for {@link createSessionManager}. Durations are in seconds. */
export interface SessionManagerOptions<Env = unknown> {
  /**
   * Secrets (≥ 32 bytes each, newest first) or a keyring; they sign ids and
   * seal cookie sessions. On Workers, where secrets live in `env`, pass a
   * function of `env`: it is called per request, and the keyring is derived
   * again only when the secrets it returns change.
   */
  secrets: SecretsOption<Env>;
  /** Where sessions live. Default: one bounded `MemoryStore` per manager. */
  store?: StoreOption<Env>;
  cookie?: SessionCookieOptions;
  /** Inactivity after which a session is dead. Default 1800 (30 minutes). */
  idleTimeout?: number;
  /** Lifetime after which a session is dead however active. Default 86400 (24 hours). */
  absoluteTimeout?: number;
  /** Sliding expiry is written at most this often. Default min(60, idleTimeout / 2). */
  touchInterval?: number;
  /** The data field that names the session's user (for revoking by user). Default `userId`. */
  userField?: string;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * What to record about a session when it is created, for "your devices"
   * lists: a flat object of strings, numbers, booleans or null, at most 1 KiB
   * as JSON (more throws at commit). Opt-in; nothing, and never an IP
   * address, by default.
   */
  metadata?: (request: Request, env: Env) => SessionMetadata | undefined;
  /**
   * Most live sessions one user may have (NIST SP 800-53 AC-10): when a
   * session gains a user beyond it, that user's least recently used sessions
   * are revoked. Needs a store that lists by user.
   */
  maxSessionsPerUser?: number;
  /** Lifecycle hooks: created, regenerated, destroyed, expired, revoked, reuseDetected (with `rotation`). */
  hooks?: SessionHooks;
  /**
   * `background` (default): hooks run after the response, kept alive with
   * `ctx.waitUntil` where the runtime gives one. `await`: commit waits for them.
   */
  hookMode?: 'await' | 'background';
  /** Called with a hook's error (hooks never fail a commit). Default: `console.error`. */
  onHookError?: (error: unknown, event: SessionEvent) => void;
  /**
   * Also accept the session from a request header, for clients that hold no
   * cookies (mobile apps, CLIs, other origins): `{ header: 'authorization' }`
   * reads `Authorization: Bearer <token>` (RFC 6750), any other header name
   * takes the token as its whole value. `cookie: false` turns cookies off.
   * The token is what `await session.token()` gives: the same signed id as
   * the cookie, with the same hashing, timeouts and revocation.
   */
  sessionToken?: SessionTokenOptions;
  /**
   * The read cache, made by `readCache({ maxAge })`: commit also writes a
   * short-lived sealed copy of the record in a second cookie, and requests
   * that carry a fresh copy answer reads without the store. Writes still go
   * to the store. A revocation from elsewhere then takes effect within
   * `maxAge` at most (README: "Read cache").
   */
  readCache?: ReadCache;
  /**
   * Device Bound Session Credentials (W3C DBSC), made by
   * `deviceBoundSessions({ … })`: browsers that support it bind the session
   * to a hardware key at login, and a copied cookie jar stops working within
   * the bound cookie's `maxAge`. Others see no change. Needs a server-side
   * store (README: "Device Bound Session Credentials").
   */
  deviceBoundSessions?: DeviceBoundSessions;
  /**
   * Cross-origin request protection in `handle()` and the Hono `session()`
   * middleware (W3C Fetch Metadata `Sec-Fetch-Site`, else `Origin`, as Go's
   * `http.CrossOriginProtection`): a POST, PUT, DELETE, … another site makes
   * is answered 403 before the handler runs. Default `'protect'`. `'allow'`
   * turns it off for every route; prefer `trustedOrigins`, or
   * `handle(handler, { crossOrigin: 'allow' })` / `allowCrossOrigin()` for
   * one route. Sessions sent in a header (`sessionToken`) are never checked.
   */
  crossOrigin?: CrossOriginMode;
  /** Origins (`https://admin.example`) whose cross-origin requests are let through. */
  trustedOrigins?: readonly string[];
  /**
   * Behind a TLS-terminating proxy (a load balancer, Fly, Render, nginx):
   * let `X-Forwarded-Proto` or `Forwarded: proto=` (RFC 7239) say the
   * request was https, so the session cookie keeps `Secure` and its
   * `__Host-` name. Only set it when a proxy you run sets those headers:
   * otherwise any client could. Default false.
   */
  trustProxy?: boolean;
  /**
   * Id rotation with reuse detection (README: "Id rotation"): a session
   * whose cookie value is older than `every` seconds gets a new one on its
   * next request (data and timestamps kept); the replaced value keeps
   * working for `grace` seconds, and presented after that it ends the whole
   * session — whoever holds the newest value — and fires the
   * `reuseDetected` hook. Needs a server-side store. Session tokens sent in
   * a header (`sessionToken`) do not rotate.
   */
  rotation?: RotationOptions;
}

/** Normalized options; durations in ms. */
export interface ResolvedOptions<Env> {
  /** The keyring for a request's env. */
  keyring: (env: Env) => Keyring;
  /** `secrets` is a function of env (else the keyring was made, and checked, at construction). */
  secretsFromEnv: boolean;
  store: StoreOption<Env>;
  cookie: SessionCookieOptions & {
    httpOnly: boolean;
    path: string;
    sameSite: NonNullable<CookieOptions['sameSite']>;
  };
  idleMs: number;
  absoluteMs: number;
  touchIntervalMs: number;
  userField: string;
  now: () => number;
  metadata: ((request: Request, env: Env) => SessionMetadata | undefined) | undefined;
  maxSessionsPerUser: number | undefined;
  hooks: HookRunner;
  /** Where a session may come from: a header (lower case, Bearer scheme or whole value), cookies. */
  transport: Transport;
  readCache: ReadCache | undefined;
  deviceBoundSessions: DeviceBoundSessions | undefined;
  crossOrigin: CrossOriginPolicy;
  trustProxy: boolean;
  rotation: RotationPolicy | undefined;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`createSessionManager: option ${name} must be a positive whole number of seconds`);
  }
  return value;
}

/** Validates options; every message names the option at fault. */
export function resolveOptions<Env>(
  options: SessionManagerOptions<Env>,
  defaultStore: () => SessionStore,
): ResolvedOptions<Env> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createSessionManager: options are required');
  checkOptionNames('createSessionManager', options, MANAGER_OPTION_NAMES);
  const keyring = keyringSource(options.secrets);
  const idleTimeout = seconds('idleTimeout', options.idleTimeout, 1800);
  const absoluteTimeout = seconds('absoluteTimeout', options.absoluteTimeout, 86_400);
  const touchInterval = seconds(
    'touchInterval',
    options.touchInterval,
    Math.max(1, Math.min(60, Math.floor(idleTimeout / 2))),
  );
  if (touchInterval >= idleTimeout) {
    throw new TypeError('createSessionManager: option touchInterval must be shorter than idleTimeout');
  }
  if (absoluteTimeout < idleTimeout) {
    throw new TypeError(
      `createSessionManager: option absoluteTimeout (${absoluteTimeout} s) is shorter than idleTimeout (${idleTimeout} s); a session could never be idle that long — raise absoluteTimeout or lower idleTimeout`,
    );
  }
  const userField = options.userField ?? 'userId';
  if (typeof userField !== 'string' || userField === '')
    throw new TypeError('createSessionManager: option userField must be a non-empty string');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createSessionManager: option now must be a function');
  const store = options.store ?? defaultStore();
  if (typeof store !== 'function' && (typeof store !== 'object' || store === null)) {
    throw new TypeError('createSessionManager: option store must be a store or a function returning one');
  }

  const cookie = resolveCookie(options.cookie);
  return {
    keyring,
    secretsFromEnv: typeof options.secrets === 'function',
    store,
    cookie,
    idleMs: idleTimeout * 1000,
    absoluteMs: absoluteTimeout * 1000,
    touchIntervalMs: touchInterval * 1000,
    userField,
    now,
    ...featureOptions(options),
  };
}

function featureOptions<Env>(
  options: SessionManagerOptions<Env>,
): Pick<
  ResolvedOptions<Env>,
  | 'metadata'
  | 'maxSessionsPerUser'
  | 'hooks'
  | 'transport'
  | 'readCache'
  | 'deviceBoundSessions'
  | 'crossOrigin'
  | 'trustProxy'
  | 'rotation'
> {
  const { metadata, maxSessionsPerUser, hooks = {}, hookMode = 'background', onHookError } = options;
  if (metadata !== undefined && typeof metadata !== 'function') {
    throw new TypeError('createSessionManager: option metadata must be a function of (request, env)');
  }
  if (
    maxSessionsPerUser !== undefined &&
    !(Number.isInteger(maxSessionsPerUser) && maxSessionsPerUser >= 1)
  ) {
    throw new TypeError('createSessionManager: option maxSessionsPerUser must be a positive whole number');
  }
  if (
    typeof hooks !== 'object' ||
    hooks === null ||
    Object.values(hooks).some((hook) => typeof hook !== 'function')
  ) {
    throw new TypeError('createSessionManager: option hooks must map event names to functions');
  }
  checkOptionNames('createSessionManager', hooks, SESSION_EVENT_TYPES, {}, 'hooks.');
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') {
    throw new TypeError('createSessionManager: option trustProxy must be a boolean');
  }
  if (hookMode !== 'await' && hookMode !== 'background') {
    throw new TypeError('createSessionManager: option hookMode must be "await" or "background"');
  }
  const onError =
    onHookError ?? ((error, event) => console.error(`tesserajs: the ${event.type} hook failed`, error));
  return {
    metadata,
    maxSessionsPerUser,
    hooks: { hooks, mode: hookMode, onError },
    transport: transportOf(options.sessionToken),
    readCache: readCacheOf(options.readCache),
    deviceBoundSessions: deviceBoundOf(options.deviceBoundSessions),
    crossOrigin: crossOriginPolicyOf(options.crossOrigin, options.trustedOrigins),
    trustProxy: options.trustProxy === true,
    rotation: rotationPolicyOf(options.rotation),
  };
}
