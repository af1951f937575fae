/** Public types of the session layer: records, patches and the store contract. */

/** The two server-enforced timeouts, in milliseconds (OWASP Session Management). */
export interface SessionTimeouts {
  /** Inactivity after which a session is dead. */
  idleMs: number;
  /** Lifetime after which a session is dead however active. */
  absoluteMs: number;
}

/** Session data as the engine stores it. Timestamps are ms since the epoch. */
export interface SessionRecord {
  /** Application data (`session.set`). */
  data: Record<string, unknown>;
  /** Flash values, removed when read. */
  flash: Record<string, unknown>;
  /** When the session was created (or last regenerated): the absolute timeout runs from here. */
  createdAt: number;
  /** Last request that used the session: the idle timeout runs from here. */
  lastSeenAt: number;
  /** When the record stops being valid: min(lastSeenAt + idle, createdAt + absolute). */
  expiresAt: number;
  /** The user this session belongs to (the data field named by `userField`), for stores that index users. */
  userId?: string;
  /**
   * When the session last gained its user, or was regenerated (ms): when the
   * user last proved who they are (`isFresh`). Changes only then.
   */
  authenticatedAt?: number;
  /**
   * When a "sign out everywhere else" (`deleteByUser` with `except`) kept
   * this session (ms): a per-user revocation at or before it does not end
   * it. Kept apart from `authenticatedAt`, which it must never move.
   */
  keptAt?: number;
  /** The cookie outlives the browser session ("remember me"): `session.persist()`. */
  persistent?: true;
  /** This session's own idle timeout (ms), set by `persist({ idleTimeout })`; overrides the manager's. */
  idleMs?: number;
  /** This session's own absolute timeout (ms), set by `persist({ absoluteTimeout })`; overrides the manager's. */
  absoluteMs?: number;
  /** What the app recorded about the session when it was created (the manager's `metadata` option). */
  meta?: Record<string, string | number | boolean | null>;
  /**
   * The device key this session is bound to (W3C Device Bound Session
   * Credentials, the `deviceBoundSessions` option): set when the browser
   * registers, kept through every later write and `regenerate()`.
   */
  deviceBound?: DeviceBinding;
  /**
   * Id rotation state (the manager's `rotation` option): the validator the
   * session cookie must carry now (`current`), the one it replaced
   * (`previous`, accepted for the grace period; `''` stands for a cookie
   * from before rotation, which carried none) and when it rotated (`at`, ms).
   * Validators are 43 base64url characters; stores keep this field as is.
   */
  rotation?: SessionRotation;
}

/** A session's id rotation state: see {@link SessionRecord.rotation}. */
export interface SessionRotation {
  current: string;
  previous?: string;
  at: number;
}

/**
 * A session's binding to a browser's device key (W3C DBSC): the DBSC
 * session identifier and the registered public key (a JWK with only its
 * defining members). Written only by the DBSC registration endpoint.
 */
export interface DeviceBinding {
  /** The DBSC session identifier (random, base64url): the browser's `Sec-Secure-Session-Id`. */
  id: string;
  /** The algorithm the key signs with. */
  alg: 'ES256' | 'RS256';
  /** The public key, as a JWK. */
  key: { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'RSA'; n: string; e: string };
}

/**
 * Changes one request made to a session, applied by {@link applyPatch}. Stores
 * with an atomic `update` apply it inside one transaction, so concurrent
 * requests that touch different keys all survive.
 */
export interface SessionPatch extends SessionTimeouts {
  /** Data keys to set. */
  set?: Record<string, unknown>;
  /** Keys to remove, from data and from flash. */
  unset?: string[];
  /** Numeric data keys to add to atomically (missing or not a number counts as 0). */
  increment?: Record<string, number>;
  /**
   * Array data keys to remove elements from: every element JSON-equal to one
   * of the listed values goes (a missing or non-array value is left alone).
   */
  pull?: Record<string, unknown[]>;
  /** Array data keys to append to, in order (missing or not an array counts as `[]`). */
  push?: Record<string, unknown[]>;
  /** Flash keys to set. */
  flash?: Record<string, unknown>;
  /**
   * Flash values that were read, by key: each is removed only while the
   * stored value is still the one read, so a newer flash set by a concurrent
   * request survives.
   */
  consumed?: Record<string, unknown>;
  /**
   * `session.persist()`: make the session persistent, with its own timeouts
   * (ms) where given (absent ones follow the manager's); `false` makes it a
   * browser-session one again, back on the manager's timeouts.
   */
  persist?: { idleMs?: number; absoluteMs?: number } | false;
  /**
   * Rotate the session's validator: only while the record's
   * `rotation.current` is `from` (`''`: a record without rotation state),
   * the state becomes `{ current: to, previous: from, at }`; otherwise the
   * op does nothing. The next validator is derived from the current one, so
   * two requests rotating at once write the same state (idempotent).
   */
  rotate?: { from: string; to: string; at: number };
  /** The request time; becomes `lastSeenAt`. */
  now: number;
  /** The data field that names the user. */
  userField: string;
}

/**
 * Where sessions live. Keys are SHA-256 hashes of session ids (base64url),
 * never the ids themselves. Implementations must let errors propagate: the
 * engine never treats a failed read as "no session".
 */
export interface SessionStore {
  /** The record under `key`, or null. Expired records may be returned; the engine checks. */
  get(key: string): Promise<SessionRecord | null>;
  /** Stores `record` under `key` until `expiresAt` (ms since the epoch). */
  set(key: string, record: SessionRecord, expiresAt: number): Promise<void>;
  /** Removes `key`; no error when absent. */
  delete(key: string): Promise<void>;
  /**
   * Records activity: `record` is the stored record with new `lastSeenAt`
   * and `expiresAt` and unchanged data. Stores that can move timestamps
   * without rewriting data use just those; a store may skip a touch it finds
   * too frequent. Optional: without it the engine calls `set`.
   */
  touch?(key: string, record: SessionRecord, expiresAt: number): Promise<void>;
  /**
   * Applies `patch` atomically to the live record under `key` (use
   * {@link applyPatch}). Resolves to false, writing nothing, when there is no
   * live record. Optional: without it the engine reads, patches and sets.
   */
  update?(key: string, patch: SessionPatch): Promise<boolean>;
  /**
   * `regenerate()`: when the record under `fromKey` is live at `patch.now`,
   * stores {@link renewRecord}(record, patch) under `toKey` and deletes
   * `fromKey` (as `delete` would), atomically where the store can ("rename
   * if it still exists"). Resolves to false, writing nothing, when there is
   * no live record: a session ended meanwhile is never carried to a new id.
   * Optional: without it the engine reads the record from the store, sets
   * the new one and deletes the old.
   */
  move?(fromKey: string, toKey: string, patch: SessionPatch): Promise<boolean>;
  /** Keys of the live sessions of a user. Optional. */
  listByUser?(userId: string): Promise<string[]>;
  /**
   * Deletes every session of a user but `options.except` (a key: "sign out
   * everywhere else"); resolves to how many. Optional.
   */
  deleteByUser?(userId: string, options?: { except?: string }): Promise<number>;
  /**
   * When the user's sessions were last revoked together (`deleteByUser`), in
   * ms, or null; sessions that authenticated before it are dead. Optional: the
   * read cache's `checkRevocation` uses it to see a revocation without
   * reading the session.
   */
  revokedAt?(userId: string): Promise<number | null>;
  /**
   * Whether the session stored under `key`, of which `record` is a copy
   * (the read cache's), has ended since the copy was made: the session was
   * deleted (destroyed, revoked, evicted by the per-user cap, regenerated
   * away), or its user's sessions were revoked at or after the record's
   * {@link revocationMark}. One small read, no record read: stores keep a
   * short-lived end marker per deleted session ({@link END_MARKER_MS}) beside
   * the per-user revocation time. Optional: the read cache's
   * `checkRevocation` needs it.
   */
  hasEnded?(key: string, record: SessionRecord): Promise<boolean>;
}

/** A map of keys to value types, as used for `Data` and `Flash`. */
export type SessionShape = Record<string, unknown>;

/**
 * The `Flash` shape when none is given: open when `Data` is untyped, none at
 * all when `Data` names its keys — so a typo in `get('…')` is a compile error.
 */
export type DefaultFlash<Data extends SessionShape> = string extends keyof Data
  ? SessionShape
  : Record<never, never>;

/**
 * The optional type parameters of a session manager, by name, so none needs
 * a placeholder to reach another and a wrong one does not compile:
 * `createSessionManager<Data, { flash: Flash; env: Env }>(…)`.
 */
export interface SessionTypes {
  /** Flash keys and their value types. Default: none when `Data` is typed, any otherwise. */
  flash?: SessionShape;
  /** What a Worker passes to `fetch` as `env` (bindings, secrets): seen by `secrets` and `store` functions. */
  env?: unknown;
}

/** The `Flash` shape of `Types` (see {@link SessionTypes}). */
export type FlashOf<Data extends SessionShape, Types extends SessionTypes> = Types extends {
  flash: infer F extends SessionShape;
}
  ? F
  : DefaultFlash<Data>;

/** The `env` type of `Types` (see {@link SessionTypes}); `unknown` when not given. */
export type EnvOf<Types extends SessionTypes> = Types extends { env: infer E } ? E : unknown;

/** Keys of `T` whose values are numbers (what `increment` accepts); any key of an untyped shape. */
export type NumericKeys<T> = string extends keyof T
  ? string
  : { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T] & string;

/** Keys of `T` whose values are arrays (what `push` and `pull` accept); any key of an untyped shape. */
export type ArrayKeys<T> = string extends keyof T
  ? string
  : { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T] & string;

/** The element type of the array under `K` in `T` (`unknown` for an untyped shape). */
export type ElementOf<T, K extends keyof T | string> = K extends keyof T
  ? NonNullable<T[K]> extends readonly (infer E)[]
    ? E
    : unknown
  : unknown;

/**
 * One request's view of a session. Reads are async and load the record on
 * first use; writes are synchronous and recorded as a patch that the manager
 * applies when it commits the response.
 */
export interface Session<
  Data extends SessionShape = SessionShape,
  Flash extends SessionShape = DefaultFlash<Data>,
> {
  /**
   * The session id once known: after the first read, or right away for a
   * session this request creates. `undefined` before that — and never the
   * unverified id a client sent.
   */
  readonly id: string | undefined;
  /** True when this request started the session (no valid one came in). */
  readonly isNew: boolean;
  /**
   * A data value, or a flash value (returned once, then removed). Objects and
   * arrays are copies: changing one changes nothing until you `set` it.
   *
   * With the read cache on, a client can send back an older copy of its own
   * session (within the cache's `maxAge`), so a counter or a one-time value
   * may read as it was. `{ fresh: true }` reads from the store instead.
   */
  get<K extends keyof Data & string>(key: K, options?: GetOptions): Promise<Data[K] | undefined>;
  get<K extends keyof Flash & string>(key: K, options?: GetOptions): Promise<Flash[K] | undefined>;
  /** Whether a data or (unread) flash key is present; does not consume flash. */
  has(key: (keyof Data | keyof Flash) & string): Promise<boolean>;
  /**
   * Sets a data key. The value must be plain JSON (null, booleans, finite
   * numbers, strings, arrays, plain objects) so that the next read returns
   * exactly it; anything else throws a `TypeError` here. The value is copied.
   */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void;
  /** Removes a data or flash key. */
  unset(key: (keyof Data | keyof Flash) & string): void;
  /** Adds to a numeric data key, atomically on stores with `update`. */
  increment(key: NumericKeys<Data>, by?: number): void;
  /**
   * Appends to an array data key (a missing key becomes `[value]`), atomically
   * on stores with `update`: concurrent pushes to one session all survive.
   */
  push<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void;
  /** Removes every element JSON-equal to `value` from an array data key, atomically on stores with `update`. */
  pull<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void;
  /** Sets a flash value: readable once, on this or a later request. */
  flash<K extends keyof Flash & string>(key: K, value: Flash[K]): void;
  /**
   * New id, same data; the old id stops working (do this at login, OWASP).
   * Takes effect at commit whether or not you await it; awaiting surfaces a
   * failed read of the old session here rather than at commit.
   */
  regenerate(): Promise<void>;
  /**
   * Deletes the session and expires its cookie at commit, whether or not you
   * await it; writes after it start a new session.
   */
  destroy(): Promise<void>;
  /**
   * "Remember me": the session's cookie becomes persistent (`Max-Age`, it
   * survives a browser restart), optionally with this session's own timeouts
   * in seconds; `persist(false)` makes it a browser-session cookie again, on
   * the manager's timeouts. Recorded like `set`, kept in the record, carried
   * over by `regenerate()`.
   */
  persist(lifetime?: SessionLifetime | false): void;
  /**
   * An opaque, non-secret identifier of this session, for "your devices"
   * lists and `revokeSession(handle)`; never usable as a credential.
   * Known after the session is read (or, for a new one, after commit).
   */
  readonly handle: string | undefined;
  /** When the session was created, last seen, expires, last authenticated; whether it persists; its handle. */
  info(): Promise<SessionInfo>;
  /**
   * Whether the session authenticated (gained its user, or was regenerated)
   * within the last `maxAge` seconds: ask for the password again before a
   * sensitive action when it did not (OWASP re-authentication).
   */
  isFresh(maxAge: number): Promise<boolean>;
  /**
   * The session's token for clients that send it in a header (the manager's
   * `sessionToken` option): the signed id, valid until the session's
   * absolute timeout. After `regenerate()` it is the new session's; hand it
   * out in the response (a header-borne session gets no cookie).
   *
   * @throws TypeError when the session came in the session cookie: the token
   *   is that HttpOnly cookie's value, and handing it to a page script undoes
   *   HttpOnly (OWASP Session Management: HttpOnly). Pass
   *   `{ exposeCookieValue: true }` to hand it out anyway.
   */
  token(options?: { exposeCookieValue?: boolean }): Promise<string>;
  /** How this request's session travels: in the cookie, or in the token header. */
  readonly transport: 'cookie' | 'header';
}

/** Options of `session.get`. */
export interface GetOptions {
  /**
   * Read from the store, never from a read cache copy: for one-time values
   * (a nonce, a counter) that a client could otherwise replay from an older
   * copy of its own session. Default false.
   */
  fresh?: boolean;
}

/** A session's own lifetime for `persist()`, in seconds; an absent one follows the manager. */
export interface SessionLifetime {
  /** Inactivity after which this session is dead. */
  idleTimeout?: number;
  /** Lifetime after which this session is dead however active. */
  absoluteTimeout?: number;
}

/** What `session.info()` and `manager.listSessions()` say about a session. Times are ms since the epoch. */
export interface SessionInfo {
  /** Opaque, non-secret id of the session (for listing and revoking, never a credential). */
  handle: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** When the session last gained its user or was regenerated. */
  authenticatedAt?: number;
  /** The session's user (the data field named by `userField`), when it has one. */
  userId?: string;
  /** Whether its cookie outlives the browser session. */
  persistent: boolean;
  /** What the manager's `metadata` option recorded when it was created. */
  meta?: Record<string, string | number | boolean | null>;
  /** The session is bound to a device key (W3C DBSC): a copied cookie alone does not carry it. */
  deviceBound?: true;
  /**
   * With id rotation (the manager's `rotation` option): when the session's
   * cookie value was last replaced, or first given (ms).
   */
  rotatedAt?: number;
  /** In `listSessions(…, { current })`: this is the session the request holds. */
  current?: boolean;
}
