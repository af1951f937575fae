/** Session manager options: their types, defaults and validation. */
import { cookiePrefixOf } from '../cookie/prefix.ts';
import { serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import { createKeyring, type Keyring, type SecretsInput } from '../crypto/keyring.ts';
import type { CookieStore } from './cookie-store.ts';
import type { SessionStore } from './types.ts';

/** A store, or a function that picks one per request (e.g. from Worker bindings). */
export type StoreOption<Env> =
  | SessionStore
  | CookieStore
  | ((request: Request, env: Env) => SessionStore | CookieStore);

/** Attributes of the session cookie. */
export interface SessionCookieOptions
  extends Pick<CookieOptions, 'domain' | 'path' | 'sameSite' | 'partitioned' | 'priority'> {
  /**
   * Cookie name. Default `__Host-sid` when the request is https (or to a
   * loopback host, which browsers treat as secure), else `sid`.
   */
  name?: string;
  /** Default: true for https and loopback requests, false otherwise. */
  secure?: boolean;
  /** Default true: the session cookie is invisible to scripts. */
  httpOnly?: boolean;
  /**
   * Keep the cookie across browser restarts (Max-Age up to the absolute
   * timeout). Default false: a browser-session cookie.
   */
  persistent?: boolean;
}

/** Options for {@link createSessionManager}. Durations are in seconds. */
export interface SessionManagerOptions<Env = unknown> {
  /**
   * Secrets (≥ 32 bytes each, newest first) or a keyring; they sign ids and
   * seal cookie sessions. On Workers, where secrets live in `env`, pass a
   * function of `env`: it is called per request, and the keyring is derived
   * again only when the secrets it returns change.
   */
  secrets: SecretsInput | Keyring | ((env: Env) => SecretsInput | Keyring);
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
}

/** Normalized options; durations in ms. */
export interface ResolvedOptions<Env> {
  /** The keyring for a request's env. */
  keyring: (env: Env) => Keyring;
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
  if (options.secrets === undefined) throw new TypeError('createSessionManager: option secrets is required');
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
  const userField = options.userField ?? 'userId';
  if (typeof userField !== 'string' || userField === '')
    throw new TypeError('createSessionManager: option userField must be a non-empty string');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createSessionManager: option now must be a function');
  const store = options.store ?? defaultStore();
  if (typeof store !== 'function' && (typeof store !== 'object' || store === null)) {
    throw new TypeError('createSessionManager: option store must be a store or a function returning one');
  }

  const cookie = { httpOnly: true, path: '/', sameSite: 'Lax' as const, ...options.cookie };
  // A prefixed name needs Secure on every request, not only https ones.
  if (cookie.secure === undefined && cookie.name !== undefined && cookiePrefixOf(cookie.name) !== undefined)
    cookie.secure = true;
  if (cookie.secure === undefined && (cookie.sameSite.toLowerCase() === 'none' || cookie.partitioned)) {
    throw new TypeError(
      'createSessionManager: option cookie.sameSite "None" and cookie.partitioned require cookie.secure: true',
    );
  }
  // Validate the attributes for every variant a request can pick.
  for (const secure of cookie.secure === undefined ? [true, false] : [cookie.secure]) {
    try {
      serializeCookie(cookie.name ?? (secure ? '__Host-sid' : 'sid'), 'x', {
        ...cookieAttributesOf(cookie),
        secure,
      });
    } catch (error) {
      throw new TypeError(`createSessionManager: option cookie: ${(error as Error).message}`);
    }
  }
  return {
    keyring,
    store,
    cookie,
    idleMs: idleTimeout * 1000,
    absoluteMs: absoluteTimeout * 1000,
    touchIntervalMs: touchInterval * 1000,
    userField,
    now,
  };
}

/** Same secrets: the same list (or value) with the same entries. */
function sameSecrets(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((entry, i) => entry === b[i]);
}

/** Turns the secrets option into a per-env keyring lookup that derives keys only when secrets change. */
function keyringSource<Env>(secrets: SessionManagerOptions<Env>['secrets']): (env: Env) => Keyring {
  if (typeof secrets !== 'function') {
    const keyring = createKeyring(secrets);
    return () => keyring;
  }
  let last: { input: unknown; keyring: Keyring } | undefined;
  return (env) => {
    const input = secrets(env);
    if (last === undefined || !sameSecrets(last.input, input)) {
      try {
        last = { input, keyring: createKeyring(input) };
      } catch (error) {
        throw new TypeError(`createSessionManager: option secrets: ${(error as Error).message}`);
      }
    }
    return last.keyring;
  };
}

/** The `Set-Cookie` attributes among the session cookie options (all but name and persistence). */
export function cookieAttributesOf(cookie: SessionCookieOptions): CookieOptions {
  const { name: _name, persistent: _persistent, ...attributes } = cookie;
  return attributes;
}
