/** Session manager options: their types, defaults and validation. */
import { cookiePrefixOf } from '../cookie/prefix.ts';
import { serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import { createKeyring, type Keyring, type SecretsInput } from '../crypto/keyring.ts';
import type { CookieStore } from './backend/cookie.ts';
import type { HookRunner, SessionEvent, SessionHooks } from './lifecycle.ts';
import type { ReadCache } from './contracts.ts';
import type { SessionRecord, SessionStore } from './types.ts';
import { isToken } from '../util/token.ts';

/** Values the `metadata` option may record per session. */
export type SessionMetadata = NonNullable<SessionRecord['meta']>;

/** Longest `metadata` a session may carry, as JSON. */
export const MAX_METADATA_LENGTH = 1024;

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
   * New sessions keep their cookie across browser restarts ("remember me" for
   * everyone; `session.persist(false)` opts one out). Default false: a
   * browser-session cookie, unless `session.persist()` is called.
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
  /** Lifecycle hooks: created, regenerated, destroyed, expired, revoked. */
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
}

/** Options of `sessionToken`: where a session token may come from. */
export interface SessionTokenOptions {
  /** The request header carrying the token. `authorization` means the Bearer scheme. */
  header: string;
  /** Keep accepting (and setting) the session cookie too. Default true. */
  cookie?: boolean;
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
  metadata: ((request: Request, env: Env) => SessionMetadata | undefined) | undefined;
  maxSessionsPerUser: number | undefined;
  hooks: HookRunner;
  /** Where a session may come from: a header (lower case, Bearer scheme or whole value), cookies. */
  transport: { header: string | undefined; bearer: boolean; cookie: boolean };
  readCache: ReadCache | undefined;
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
    ...featureOptions(options),
  };
}

function featureOptions<Env>(
  options: SessionManagerOptions<Env>,
): Pick<ResolvedOptions<Env>, 'metadata' | 'maxSessionsPerUser' | 'hooks' | 'transport' | 'readCache'> {
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
  };
}

function readCacheOf(option: ReadCache | undefined): ReadCache | undefined {
  if (option === undefined) return undefined;
  const made = option as Partial<ReadCache> | null;
  if (typeof made?.read !== 'function' || typeof made.line !== 'function') {
    throw new TypeError(
      "createSessionManager: option readCache must be made by readCache() (import { readCache } from 'tesserajs'), e.g. readCache: readCache({ maxAge: 30 })",
    );
  }
  return option;
}

// RFC 9110 §5.1: field names are tokens.
function transportOf(option: SessionTokenOptions | undefined): ResolvedOptions<unknown>['transport'] {
  if (option === undefined) return { header: undefined, bearer: false, cookie: true };
  if (
    typeof option !== 'object' ||
    option === null ||
    typeof option.header !== 'string' ||
    !isToken(option.header)
  ) {
    throw new TypeError('createSessionManager: option sessionToken.header must be an HTTP header name');
  }
  const header = option.header.toLowerCase();
  if (header === 'cookie' || header === 'set-cookie') {
    throw new TypeError('createSessionManager: option sessionToken.header must not be a cookie header');
  }
  if (option.cookie !== undefined && typeof option.cookie !== 'boolean') {
    throw new TypeError('createSessionManager: option sessionToken.cookie must be a boolean');
  }
  return { header, bearer: header === 'authorization', cookie: option.cookie !== false };
}

/** Checks what the `metadata` option returned: flat JSON values, at most {@link MAX_METADATA_LENGTH} as JSON. */
export function checkMetadata(value: unknown): SessionMetadata | undefined {
  if (value === undefined) return undefined;
  const fail = (why: string): never => {
    throw new TypeError(`createSessionManager: option metadata returned ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('something other than an object');
  const meta: SessionMetadata = {};
  for (const [key, item] of Object.entries(value as object)) {
    if (
      item !== null &&
      !['string', 'boolean'].includes(typeof item) &&
      !(typeof item === 'number' && Number.isFinite(item))
    ) {
      fail(`a value for "${key}" that is not a string, finite number, boolean or null`);
    }
    Object.defineProperty(meta, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  const length = JSON.stringify(meta).length;
  if (length > MAX_METADATA_LENGTH) fail(`${length} characters of JSON, over ${MAX_METADATA_LENGTH}`);
  return meta;
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
