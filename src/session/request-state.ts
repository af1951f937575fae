/**
 * One request as the manager sees it: which cookie, which policy (the clock
 * reading and timeouts), which keyring and which backend. Every part is
 * worked out on first use, so loading a session that the request never
 * touches allocates two objects and does nothing else.
 */
import { getRawCookie } from '../cookie/canonical.ts';
import { cookieHeaderOf } from '../cookie/parse.ts';
import { MAX_COOKIE_AGE_SECONDS, type CookieOptions } from '../cookie/serialize.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { sign } from '../crypto/sign.ts';
import type {
  BackendFactory,
  CookieSpec,
  LoadResult,
  ReadCache,
  RequestContext,
  SessionBackend,
  SessionPolicy,
  SessionSource,
} from './contracts.ts';
import type { CookieStore } from './backend/cookie.ts';
import type { StoreKeys } from './id.ts';
import type { SessionRecord, SessionStore } from './types.ts';
import { checkMetadata, cookieAttributesOf, type ResolvedOptions } from './options/options.ts';
import { timeoutsOf } from './record.ts';
import { StoreBackend } from './backend/store.ts';
import { isSecure } from './guards/proxy.ts';
import { ownBackendOf } from './contracts.ts';

const NOT_READ = Symbol('not read');
// credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1), the scheme matched case-insensitively.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** What every request of one manager shares. */
export interface ManagerShared<Env> {
  readonly options: ResolvedOptions<Env>;
  readonly keys: StoreKeys;
  /** The two cookie variants a request can pick, worked out once. */
  readonly secureCookie: CookieSpec;
  readonly plainCookie: CookieSpec;
  /** The manager these requests belong to (set once it exists): middleware finds it from a session without a per-request map. */
  manager?: object;
  /**
   * The last Cookie header read, the cookie name looked up in it and what
   * was found: a returning client sends the same header on every request,
   * so the lookup is one string comparison. A pure function's answer keyed
   * by its whole input (header and name), so it is never wrong.
   */
  lastCookies?: { header: string; name: string; value: string | undefined };
}

/** The session cookie's name and attributes for requests to `url`. */
export function cookieSpecFor<Env>(url: string, options: ResolvedOptions<Env>['cookie']): CookieSpec {
  const secure = options.secure ?? url.startsWith('https:');
  const name = options.name ?? (secure ? '__Host-sid' : 'sid');
  return {
    name,
    attributes: { ...cookieAttributesOf(options), secure },
    persistent: options.persistent === true,
    firstChunk: `${name}.0=`,
  };
}

/**
 * Refuses a store the options cannot work with, with a TypeError naming the
 * option; returns the store's own backend, if it brings one (`CookieStore`).
 * `checkRevocation` asks the store when the user was last revoked: a store
 * without `hasEnded` cannot answer, and a check that silently never ran
 * would leave revoked sessions readable for the cache's lifetime.
 */
export function checkStore<Env>(
  store: SessionStore | CookieStore,
  options: ResolvedOptions<Env>,
): BackendFactory | undefined {
  const own = ownBackendOf(store);
  if (own !== undefined) own.check(options);
  else if (options.readCache?.checkRevocation && typeof (store as SessionStore).hasEnded !== 'function') {
    throw new TypeError(
      'createSessionManager: option readCache has checkRevocation, but the store has no hasEnded ' +
        '(KVStore, RedisStore and MemoryStore have it); drop checkRevocation or use such a store',
    );
  }
  return own?.open;
}

export class RequestState<Env> implements SessionSource, RequestContext {
  readonly shared: ManagerShared<Env>;
  readonly request: Request;
  readonly env: Env;
  #cookie: CookieSpec | undefined;
  #policy: SessionPolicy | undefined;
  #keyring: Keyring | undefined;
  #hasCredential: boolean | undefined;
  #header: string | null | undefined;
  #sessionToken: string | undefined | typeof NOT_READ = NOT_READ;
  #transport: 'header' | undefined;
  #backend: SessionBackend | undefined;
  #store: SessionStore | CookieStore | undefined;

  constructor(shared: ManagerShared<Env>, request: Request, env: Env, store?: SessionStore | CookieStore) {
    this.shared = shared;
    this.request = request;
    this.env = env;
    this.#store = store;
  }

  get cookie(): CookieSpec {
    return (this.#cookie ??= isSecure(this.request, this.shared.options.trustProxy)
      ? this.shared.secureCookie
      : this.shared.plainCookie);
  }

  get policy(): SessionPolicy {
    if (this.#policy === undefined) {
      const { now, idleMs, absoluteMs, touchIntervalMs, userField, rotation } = this.shared.options;
      const wallClock = now === Date.now;
      this.#policy = { now: now(), idleMs, absoluteMs, touchIntervalMs, userField, rotation, wallClock };
    }
    return this.#policy;
  }

  /** Resolved on first use: a route that never touches its session never calls a `secrets` function. */
  get keyring(): Keyring {
    return (this.#keyring ??= this.shared.options.keyring(this.env));
  }

  get readCache(): ReadCache | undefined {
    return this.shared.options.readCache;
  }

  get keys(): StoreKeys {
    return this.shared.keys;
  }

  get cookieHeader(): string | null {
    if (this.#header === undefined) this.#header = cookieHeaderOf(this.request);
    return this.#header;
  }

  get sessionToken(): string | undefined {
    if (this.#sessionToken === NOT_READ) {
      const fromHeader = this.#headerToken();
      if (fromHeader !== undefined) {
        this.#transport = 'header';
        this.#sessionToken = fromHeader;
      } else {
        const header = this.shared.options.transport.cookie ? this.cookieHeader : null;
        this.#sessionToken = header === null ? undefined : this.#cookieValue(header, this.cookie.name);
      }
    }
    return this.#sessionToken;
  }

  /** The session cookie's value as sent in `header`, from the last lookup when the header and name are the same. */
  #cookieValue(header: string, name: string): string | undefined {
    const last = this.shared.lastCookies;
    if (last !== undefined && last.header === header && last.name === name) return last.value;
    const value = getRawCookie(header, name);
    this.shared.lastCookies = { header, name, value };
    return value;
  }

  /** How this request's session travels: the token header when it came in one (or cookies are off), else the cookie. */
  get transport(): 'cookie' | 'header' {
    void this.sessionToken;
    return this.#transport ?? (this.shared.options.transport.cookie ? 'cookie' : 'header');
  }

  /** The token in the configured header (RFC 6750 §2.1 for `Authorization: Bearer`), if any. */
  #headerToken(): string | undefined {
    const { header, bearer } = this.shared.options.transport;
    if (header === undefined) return undefined;
    const value = this.request.headers.get(header);
    if (value === null) return undefined;
    if (!bearer) return value.trim() || undefined;
    return BEARER.exec(value)?.[1];
  }

  get hasCredential(): boolean {
    if (this.#hasCredential === undefined) {
      if (this.sessionToken !== undefined) this.#hasCredential = true;
      else {
        const header = this.shared.options.transport.cookie ? this.cookieHeader : null;
        this.#hasCredential = header !== null && header.includes(this.cookie.firstChunk);
      }
    }
    return this.#hasCredential;
  }

  sign(id: string, record: SessionRecord): Promise<string> {
    return sign(this.keyring, this.cookie.name, id, { expires: this.cookieExpires(record) });
  }

  /** The store this request's session lives in: picked once, from the store option. */
  get store(): SessionStore | CookieStore {
    const option = this.shared.options.store;
    return (this.#store ??= typeof option === 'function' ? option(this.request, this.env) : option);
  }

  /** Where this request's session is kept, seen from the engine. */
  get backend(): SessionBackend {
    if (this.#backend === undefined) {
      const store = this.store;
      const openOwn = checkStore(store, this.shared.options);
      const backend = openOwn ? openOwn(this) : new StoreBackend(this, store as SessionStore);
      // DBSC gates bound sessions behind their bound cookie.
      const bound = this.shared.options.deviceBoundSessions;
      this.#backend = bound ? bound.guard(this, backend) : backend;
    }
    return this.#backend;
  }

  load(): Promise<LoadResult> {
    return this.backend.load();
  }

  loadNow(): LoadResult | undefined {
    return this.backend.loadNow?.();
  }

  reload(): Promise<LoadResult> {
    const backend = this.backend;
    return backend.reload ? backend.reload() : backend.load();
  }

  keyOf(id: string): Promise<string> {
    return this.shared.keys.of(id);
  }

  newSessionFields(): Pick<SessionRecord, 'persistent' | 'meta'> {
    const { cookie, metadata } = this.shared.options;
    const fields: Pick<SessionRecord, 'persistent' | 'meta'> = {};
    if (cookie.persistent) fields.persistent = true;
    const meta = metadata === undefined ? undefined : checkMetadata(metadata(this.request, this.env));
    if (meta !== undefined) fields.meta = meta;
    return fields;
  }

  cookieAttributes(record: SessionRecord): CookieOptions {
    const { attributes } = this.cookie;
    if (!record.persistent) return attributes;
    // A persistent cookie never outlives what the server allows: the rest of
    // the absolute lifetime, or the idle timeout (the cookie is sent again
    // as the session slides). Max-Age, not Expires, so a client's wrong clock
    // does not matter; browsers cap it at 400 days (RFC 6265bis §5.6.2).
    // With rotation the cookie slides only at rotations, so it lives `every`
    // longer: never shorter than the session it carries (the server ends it).
    const policy = this.policy;
    const { idleMs, absoluteMs } = timeoutsOf(record, policy);
    const remaining = Math.ceil((record.createdAt + absoluteMs - policy.now) / 1000);
    const slide = Math.ceil((idleMs + (policy.rotation?.everyMs ?? 0)) / 1000);
    const maxAge = Math.min(MAX_COOKIE_AGE_SECONDS, slide, Math.max(0, remaining));
    return { ...attributes, maxAge };
  }

  /** When the cookie carrying `record` stops being valid: the end of its absolute lifetime. */
  cookieExpires(record: SessionRecord): Date {
    return new Date(record.createdAt + timeoutsOf(record, this.policy).absoluteMs);
  }
}
