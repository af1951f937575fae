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
}

/**
 * Changes one request made to a session, applied by {@link applyPatch}. Stores
 * with an atomic `update` apply it inside one transaction, so concurrent
 * requests that touch different keys all survive.
 */
export interface SessionPatch extends SessionTimeouts {
  /** Data keys to set. */
  set?: Record<string, unknown>;
  /** Data keys to remove. */
  unset?: string[];
  /** Numeric data keys to add to atomically (missing counts as 0). */
  increment?: Record<string, number>;
  /** Flash keys to set. */
  flash?: Record<string, unknown>;
  /** Flash keys that were read (and so are consumed). */
  consumed?: string[];
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
  /** Keys of the live sessions of a user. Optional. */
  listByUser?(userId: string): Promise<string[]>;
  /** Deletes every session of a user; resolves to how many. Optional. */
  deleteByUser?(userId: string): Promise<number>;
}

/** A map of keys to value types, as used for `Data` and `Flash`. */
export type SessionShape = Record<string, unknown>;

/**
 * The `Flash` shape when none is given: open when `Data` is untyped, none at
 * all when `Data` names its keys — so a typo in `get('…')` is a compile error.
 */
export type DefaultFlash<Data extends SessionShape> = string extends keyof Data ? SessionShape : Record<never, never>;

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
export type FlashOf<Data extends SessionShape, Types extends SessionTypes> = Types extends { flash: infer F extends SessionShape }
  ? F
  : DefaultFlash<Data>;

/** The `env` type of `Types` (see {@link SessionTypes}); `unknown` when not given. */
export type EnvOf<Types extends SessionTypes> = Types extends { env: infer E } ? E : unknown;

/** Keys of `T` whose values are numbers (what `increment` accepts). */
export type NumericKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T] & string;

/**
 * One request's view of a session. Reads are async and load the record on
 * first use; writes are synchronous and recorded as a patch that the manager
 * applies when it commits the response.
 */
export interface Session<Data extends SessionShape = SessionShape, Flash extends SessionShape = DefaultFlash<Data>> {
  /**
   * The session id once known: after the first read, or right away for a
   * session this request creates. `undefined` before that — and never the
   * unverified id a client sent.
   */
  readonly id: string | undefined;
  /** True when this request started the session (no valid one came in). */
  readonly isNew: boolean;
  /** A data value, or a flash value (returned once, then removed). */
  get<K extends keyof Data & string>(key: K): Promise<Data[K] | undefined>;
  get<K extends keyof Flash & string>(key: K): Promise<Flash[K] | undefined>;
  /** Whether a data or (unread) flash key is present; does not consume flash. */
  has(key: (keyof Data | keyof Flash) & string): Promise<boolean>;
  /** Sets a data key (JSON-serializable value). */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void;
  /** Removes a data or flash key. */
  unset(key: (keyof Data | keyof Flash) & string): void;
  /** Adds to a numeric data key, atomically on stores with `update`. */
  increment(key: NumericKeys<Data>, by?: number): void;
  /** Sets a flash value: readable once, on this or a later request. */
  flash<K extends keyof Flash & string>(key: K, value: Flash[K]): void;
  /** New id, same data; the old id stops working (do this at login). */
  regenerate(): Promise<void>;
  /** Deletes the session and expires its cookie; later writes start a new one. */
  destroy(): Promise<void>;
}
