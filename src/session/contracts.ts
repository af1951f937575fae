/**
 * The engine's internal contracts: what a request hands a session, what a
 * session asks its backend to do at commit, and what the backend reports
 * back; and the registry through which a store that brings its own backend
 * (`CookieStore`) is found, so that apps without it do not bundle its code.
 * Of the types only `ReadCache` and `DeviceBoundSessions` are exported from
 * the package (as what `readCache()` and `deviceBoundSessions()` return).
 */
import type { CookieOptions } from '../cookie/serialize.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { StoreKeys } from './id.ts';
import type { RotationPolicy } from './rotation.ts';
import type { SessionPatch, SessionRecord, SessionStore, SessionTimeouts } from './types.ts';

/**
 * A read cache for the session manager's `readCache` option, made by
 * `readCache()`. Its methods are the engine's: apps only pass it on.
 */
export interface ReadCache {
  /** How long a copy may be used, in ms. */
  readonly maxAgeMs: number;
  /** Whether each cached read asks the store for the user's revocation time. */
  readonly checkRevocation: boolean;
  /** The request's raw cache cookie, if any. */
  carried(context: RequestContext): string | undefined;
  /**
   * The cached record of the session stored under `key`, if the request
   * carries a fresh copy of it made under the write version it carries.
   */
  read(context: RequestContext, key: string): Promise<SessionRecord | null>;
  /**
   * The Set-Cookie line with a copy of `record` stamped with write version
   * `version`, or null when it would not fit in one cookie.
   */
  line(context: RequestContext, key: string, record: SessionRecord, version: string): Promise<string | null>;
  /** The Set-Cookie line that deletes the copy. */
  deletion(context: RequestContext): string;
  /** The write version the request carries (`''` when none). */
  version(context: RequestContext): string;
  /** A new write version and the Set-Cookie line that gives it to the browser. */
  nextVersion(context: RequestContext): { version: string; line: string };
}

/**
 * Device Bound Session Credentials (W3C DBSC) for the session manager's
 * `deviceBoundSessions` option, made by `deviceBoundSessions()`. Its
 * methods are the engine's: apps only pass it on.
 */
export interface DeviceBoundSessions {
  /**
   * The answer of the registration or refresh endpoint when the request is
   * for one of them, else undefined (decided from the method and path, with
   * no other work).
   */
  serve(context: BoundRequest): Promise<Response> | undefined;
  /** `backend`, gated: a session bound to a device loads only with its valid bound cookie. */
  guard(context: RequestContext, backend: SessionBackend): SessionBackend;
  /** After a commit that logged a session in: `target` with the registration header. */
  committed<T extends Response | Headers>(
    context: BoundRequest,
    plan: CommitPlan,
    result: CommitResult,
    target: T,
  ): Promise<T>;
}

/** A request as DBSC sees it: its context and the store its sessions live in. */
export interface BoundRequest extends RequestContext {
  readonly store: SessionStore | object;
}

/** A stored session the incoming cookie pointed to. */
export interface LoadedSession {
  id: string;
  /** Store key (SHA-256 of the id), also the session's handle. */
  key: string;
  record: SessionRecord;
  /** Read from the read cache rather than the store. */
  cached?: true;
  /**
   * With `rotation` on, the cookie carries the session's current value:
   * commit rotates it when due, or whenever it sends the cookie.
   */
  rotates?: true;
  /**
   * With `rotation` on, the cookie carries the value the last rotation
   * replaced, within grace: served, but never rotated and never sent again.
   */
  inGrace?: true;
}

/** The rules one request runs under: its time, the timeouts (ms) and the user field. */
export interface SessionPolicy extends SessionTimeouts {
  /** The request time, ms since the epoch: one reading for the whole request. */
  now: number;
  /** Sliding expiry is written at most this often. */
  touchIntervalMs: number;
  /** The data field that names the session's user. */
  userField: string;
  /** Id rotation (the `rotation` option), when on. */
  rotation: RotationPolicy | undefined;
  /**
   * `now` is a `Date.now()` reading (the manager's clock is the default): an
   * in-process store on the same clock may use it rather than read the clock
   * again (a clock read costs more than a MemoryStore read).
   */
  wallClock?: boolean;
}

/**
 * What the request's cookie turned out to be: `valid` (ours, and its session
 * loaded), `missing` (ours, but its session is gone or dead), `invalid`
 * (forged, tampered, expired or from a retired key: not ours).
 */
export type CookieVerdict = 'valid' | 'missing' | 'invalid';

/** What a backend's load found. */
export interface LoadResult {
  /** `valid` whenever the cookie is ours, whether or not its session was found. */
  verdict: Exclude<CookieVerdict, 'missing'>;
  session: LoadedSession | null;
  /**
   * With `rotation` on: the cookie carries a replaced value past its grace
   * (or an older one). The session it names is ended at commit and
   * `reuseDetected` fires; the request goes on without a session.
   */
  reused?: LoadedSession;
}

/** The session cookie for one request: its name and attributes. */
export interface CookieSpec {
  name: string;
  attributes: CookieOptions;
  persistent: boolean;
  /** `name.0=`: how the first chunk of a CookieStore session starts. */
  firstChunk: string;
}

/** Everything a backend needs from its request. */
export interface RequestContext {
  readonly request: Request;
  /** The request's `Cookie` header, read once. */
  readonly cookieHeader: string | null;
  /**
   * The session cookie's value exactly as sent (no decoding: a credential has
   * one spelling), read once; undefined when absent.
   */
  readonly sessionToken: string | undefined;
  /** How the session travels: `header` sends no cookie (the app hands out `session.token()`). */
  readonly transport: 'cookie' | 'header';
  readonly policy: SessionPolicy;
  readonly keyring: Keyring;
  readonly keys: StoreKeys;
  readonly cookie: CookieSpec;
  /** Attributes of the cookie carrying `record` (`Max-Age` when it persists). */
  cookieAttributes(record: SessionRecord): CookieOptions;
  /** The signed token (cookie value) for session `id`, valid until the end of `record`'s absolute lifetime. */
  sign(id: string, record: SessionRecord): Promise<string>;
  /** The read cache's settings, when it is on. */
  readonly readCache: ReadCache | undefined;
}

/** The write a commit makes, if any. */
export type SessionWrite =
  /** Store `record` under the new `id`. */
  | { kind: 'create'; id: string; record: SessionRecord }
  /**
   * `regenerate()` of a loaded session: move it to the new `id`, renewed and
   * with `patch` applied, only if the store still holds it live at commit
   * (never from a read cache copy); else start `fresh` under the new id.
   */
  | { kind: 'move'; from: LoadedSession; id: string; patch: SessionPatch; fresh: SessionRecord }
  /**
   * Apply `patch` to `target` — or, when the request wrote without reading
   * (`target` undefined), to whatever live session the cookie names; with
   * none, the writes start a new session under a new id.
   */
  | { kind: 'patch'; target: LoadedSession | undefined; patch: SessionPatch; touchOnly: boolean };

/** What commit must do, derived from everything the request did. */
export interface CommitPlan {
  /** Stored sessions to delete (destroyed, regenerated away, or found expired), after the write. */
  remove: LoadedSession[];
  /** Also delete the session the request's cookie names (destroyed before it was read). */
  removeCookieSession: boolean;
  write: SessionWrite | undefined;
  /**
   * With a `patch` write on a loaded session: send its cookie again, with the
   * attributes of this record (persistence changed, or a persistent cookie
   * slides with the session).
   */
  resend: SessionRecord | undefined;
  /** Expire the session cookie (when no new one replaces it). */
  clearCookie: boolean;
  /** Mark the response uncacheable (logout). */
  noStore: boolean;
  /** What happened to the session, for the lifecycle hooks and `maxSessionsPerUser`. */
  events: PlannedEvents;
  /** The session the request is attached to at commit, if it was read (the read cache refreshes from it). */
  attached: LoadedSession | null | undefined;
}

/** Lifecycle events a commit will make happen, reported once it succeeds. */
export interface PlannedEvents {
  /** A new session is stored (not a regenerated one). */
  created: boolean;
  /** The session moves to a new id; the old one, when there was one. */
  regenerated: { from: LoadedSession | null } | undefined;
  /** The session was destroyed: the one loaded, or the one the cookie names. */
  destroyed: { session: LoadedSession | undefined } | undefined;
  /** Sessions found past their timeouts when read. */
  expired: LoadedSession[];
  /** The write gives the session a user, or a new one: the per-user cap applies. */
  userAssigned: boolean;
  /** The session a replaced cookie value was presented for after grace (ended by this commit). */
  reused: LoadedSession | undefined;
}

/** What a backend did with a plan. */
export interface CommitResult {
  /** `Set-Cookie` values for the response, in order. */
  setCookies: string[];
  /**
   * After a write, the session the cookie now names: a record, `null` for
   * none, or `undefined` when the backend wrote without reading the result
   * (an atomic update): the next read loads it.
   */
  live: LoadedSession | null | undefined;
  /** A blind write found no live session behind the cookie and started a new one. */
  startedOver: boolean;
  /** Store keys (handles) of the sessions the commit deleted. */
  removed: string[];
  /** With rotation: a write without a read found the cookie's value reused, and ended its session. */
  reused?: LoadedSession;
}

/**
 * Where a session is kept, seen from the engine: a server-side store behind a
 * signed id, or the cookie itself. One per request, picked once.
 */
export interface SessionBackend {
  /** Verifies the cookie and reads the session. Store errors propagate. */
  load(): Promise<LoadResult>;
  /** Carries out a commit plan. Store errors propagate. */
  commit(plan: CommitPlan): Promise<CommitResult>;
  /** Reads the session from where it is kept, never from a read cache copy. Default: `load`. */
  reload?(): Promise<LoadResult>;
  /**
   * `load`, when its answer is at hand without waiting (an in-process store,
   * a cookie verified before); undefined when it is not. Store errors throw.
   */
  loadNow?(): LoadResult | undefined;
  /** `commit`, when the plan can be carried out without waiting; undefined when it cannot. Store errors throw. */
  commitNow?(plan: CommitPlan): CommitResult | undefined;
}

/**
 * What a session needs from its request. Implementations compute each part
 * on first use, so a session nobody touches costs nothing.
 */
export interface SessionSource {
  readonly policy: SessionPolicy;
  /** The request carries this manager's session cookie. */
  readonly hasCredential: boolean;
  /** Verifies the cookie and reads the store; errors propagate. */
  load(): Promise<LoadResult>;
  /** `load`'s answer when it is at hand without waiting, else undefined. Errors throw. */
  loadNow(): LoadResult | undefined;
  /** As `load`, but never from a read cache copy. */
  reload(): Promise<LoadResult>;
  /** The store key (handle) of a session id. */
  keyOf(id: string): Promise<string>;
  /** Fields a new session starts with: persistence by default, the `metadata` the app records. */
  newSessionFields(): Pick<SessionRecord, 'persistent' | 'meta'>;
  /** How the session travels for this request. */
  readonly transport: 'cookie' | 'header';
  /** The signed token (cookie value) for session `id` with `record`'s lifetime. */
  sign(id: string, record: SessionRecord): Promise<string>;
}

/** Opens a backend for one request. */
export type BackendFactory = (context: RequestContext) => SessionBackend;

/** The manager options a store's own backend is asked about. */
export interface OwnBackendOptions {
  readonly transport: { readonly header?: string | undefined };
  readonly rotation?: unknown;
  readonly deviceBoundSessions?: unknown;
}

/**
 * A store that brings its own backend: how to open it for a request, and
 * the check of the manager options it cannot serve (a TypeError naming the
 * option). The check lives with the backend, so apps that never make such a
 * store do not carry its messages.
 */
export interface OwnBackend {
  readonly open: BackendFactory;
  readonly check: (options: OwnBackendOptions) => void;
}

/**
 * Stores that bring their own backend (`CookieStore`) register it here when
 * constructed, so the engine reaches the cookie backend — and the sealing
 * code — only through a store the app made.
 */
const ownBackends = new WeakMap<object, OwnBackend>();

export function registerBackend(store: object, own: OwnBackend): void {
  ownBackends.set(store, own);
}

/** The backend of a store that brings its own, e.g. `CookieStore`. */
export function ownBackendOf(store: object): OwnBackend | undefined {
  return ownBackends.get(store);
}

/** Whether `store` keeps sessions in cookies (it has no server-side records to list or revoke). */
export function keepsSessionsInCookies(store: object): boolean {
  return ownBackends.has(store);
}
