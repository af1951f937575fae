/**
 * One request's session: lazy reads, synchronous writes recorded as a patch,
 * and a commit plan the manager carries out. Nothing here touches a store or a
 * header directly; the backend loads, the manager commits.
 */
import { applyPatch, emptyRecord, isLive } from './record.ts';
import { newSessionId } from './id.ts';
import { PendingWrites } from './pending.ts';
import type { DefaultFlash, NumericKeys, Session, SessionPatch, SessionRecord, SessionShape } from './types.ts';

/** A stored session the incoming cookie pointed to. */
export interface LoadedSession {
  id: string;
  /** Store key (hash of the id); empty for the cookie store. */
  key: string;
  record: SessionRecord;
}

/** Timeouts in ms, the user field and the request time. */
export interface SessionClock {
  now: number;
  idleTimeout: number;
  absoluteTimeout: number;
  touchInterval: number;
  userField: string;
}

/** What commit must do, derived from everything the request did. */
export interface CommitPlan {
  /** Stored sessions to delete (destroyed, regenerated away, or found expired). */
  remove: LoadedSession[];
  /**
   * `create`: write `record` under the new `id`. `patch`: apply `patch` to
   * `target` (loaded, or `undefined` when the request wrote without reading
   * and the backend must resolve the cookie itself).
   */
  write:
    | { kind: 'create'; id: string; record: SessionRecord }
    | { kind: 'patch'; target: LoadedSession | undefined; patch: SessionPatch; touchOnly: boolean }
    | undefined;
  /** Expire the session cookie (when no new one replaces it). */
  clearCookie: boolean;
  /** Mark the response uncacheable (logout). */
  noStore: boolean;
}

/**
 * What a session needs from its request. Implementations compute each part
 * on first use, so a session nobody touches costs nothing.
 */
export interface SessionSource {
  readonly clock: SessionClock;
  /** The request carries this manager's session cookie. */
  readonly hasCookie: boolean;
  /** Verifies the cookie and reads the store; errors propagate. */
  load(): Promise<LoadedSession | null>;
}

/** The part of a session that backends use when committing. */
export type CommittableSession = Pick<SessionImpl, 'plan' | 'startOver' | 'committed'>;

function isJsonable(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}

export class SessionImpl<Data extends SessionShape = SessionShape, Flash extends SessionShape = DefaultFlash<Data>>
  implements Session<Data, Flash>
{
  /** The request this session belongs to (and whatever the manager keeps for it). */
  readonly source: SessionSource;

  #resolved = false;
  #loading: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;
  /** The stored session this request is attached to. */
  #current: LoadedSession | null = null;
  /** Records to delete at commit. */
  #remove: LoadedSession[] = [];
  /** Data the writes apply to when the session will be created or re-keyed. */
  #base: SessionRecord | undefined;
  /** The id of the session this request would create (reserved on demand). */
  #newId: string | undefined;
  #regenerated = false;
  #destroyed = false;
  #sawInvalidCookie = false;

  /** Writes, allocated on the first one (untouched sessions cost nothing). */
  #writes: PendingWrites | undefined;

  constructor(source: SessionSource) {
    this.source = source;
  }

  get id(): string | undefined {
    if (this.#current !== null) return this.#current.id;
    // A session this request would create: its id can be fixed now (it is
    // only stored if the request writes something).
    if (this.#newId === undefined && (this.#startsFresh() || this.#resolved)) this.#newId = newSessionId();
    return this.#newId;
  }

  get isNew(): boolean {
    return !this.source.hasCookie || this.#sawInvalidCookie;
  }

  /** No cookie came in, or the session was destroyed: nothing to look up. */
  #startsFresh(): boolean {
    return !this.source.hasCookie || this.#destroyed;
  }

  /** Loads the stored record once; store errors reject every read, and commit. */
  async #resolve(): Promise<void> {
    if (this.#resolved) return;
    if (this.#failure) throw this.#failure.error;
    if (this.#startsFresh()) {
      this.#resolved = true;
      return;
    }
    this.#loading ??= this.source.load().then(
      (loaded) => {
        const clock = this.source.clock;
        if (loaded !== null && !isLive(loaded.record, clock.now, clock.idleTimeout, clock.absoluteTimeout)) {
          this.#remove.push(loaded);
          loaded = null;
        }
        if (loaded === null) this.#sawInvalidCookie = true;
        this.#current = loaded;
        this.#resolved = true;
      },
      (error: unknown) => {
        this.#failure = { error };
        throw error;
      },
    );
    return this.#loading;
  }

  #record(): SessionRecord | undefined {
    return this.#base ?? this.#current?.record;
  }

  #pending(): PendingWrites {
    return (this.#writes ??= new PendingWrites());
  }

  async get(key: string): Promise<never> {
    await this.#resolve();
    const record = this.#record();
    const writes = this.#writes;
    if (writes === undefined) {
      if (record === undefined) return undefined as never;
      if (Object.hasOwn(record.flash, key)) return this.#pending().takeFlash(record, key) as never;
      return (Object.hasOwn(record.data, key) ? record.data[key] : undefined) as never;
    }
    if (writes.hasFlash(record, key)) return writes.takeFlash(record, key) as never;
    return writes.dataValue(record, key) as never;
  }

  async has(key: string): Promise<boolean> {
    await this.#resolve();
    const record = this.#record();
    const writes = this.#pending();
    return writes.hasFlash(record, key) || writes.dataValue(record, key) !== undefined;
  }

  set(key: string, value: unknown): void {
    if (!isJsonable(value)) throw new TypeError(`session.set: value for "${key}" is not JSON-serializable`);
    this.#pending().setValue(key, value);
  }

  unset(key: string): void {
    this.#pending().unsetKey(key);
  }

  increment(key: NumericKeys<Data>, by = 1): void {
    if (!Number.isFinite(by)) throw new TypeError('session.increment: by must be a finite number');
    this.#pending().add(key, by);
  }

  flash(key: string, value: unknown): void {
    if (!isJsonable(value)) throw new TypeError(`session.flash: value for "${key}" is not JSON-serializable`);
    this.#pending().flash.set(key, value);
  }

  async regenerate(): Promise<void> {
    await this.#resolve();
    const clock = this.source.clock;
    const old = this.#record();
    // Keep the data, start a new lifetime under a new id (OWASP: renew the
    // session id after any privilege level change).
    this.#base = { ...(old ?? emptyRecord(clock.now, clock.idleTimeout, clock.absoluteTimeout)), createdAt: clock.now, lastSeenAt: clock.now };
    if (this.#current !== null) this.#remove.push(this.#current);
    this.#current = null;
    this.#newId = newSessionId();
    this.#regenerated = true;
  }

  async destroy(): Promise<void> {
    if (this.source.hasCookie && !this.#destroyed && this.#current === null && !this.#resolved) {
      // Find out which record to delete; errors propagate.
      await this.#resolve();
    }
    if (this.#current !== null) this.#remove.push(this.#current);
    this.#current = null;
    this.#destroyed = true;
    this.#resolved = true;
    this.#base = undefined;
    this.#newId = undefined;
    this.#regenerated = false;
    this.#writes = undefined;
  }

  /** @internal The request used the session in any way. */
  get touched(): boolean {
    return this.#resolved || this.#loading !== undefined || this.#hasWrites() || this.#remove.length > 0;
  }

  #hasWrites(): boolean {
    return this.#writes !== undefined && !this.#writes.empty;
  }

  #patch(): SessionPatch {
    const { now, idleTimeout, absoluteTimeout, userField } = this.source.clock;
    const base = { now, idleTimeout, absoluteTimeout, userField };
    return this.#writes ? this.#writes.toPatch(base) : base;
  }

  /**
   * @internal What commit must do. Throws the store error if the session
   * could not be loaded and the request still tried to write.
   */
  plan(): CommitPlan {
    const clock = this.source.clock;
    const plan: CommitPlan = { remove: [...this.#remove], write: undefined, clearCookie: false, noStore: this.#destroyed };
    if (this.#failure) {
      if (this.#hasWrites() || this.#regenerated) throw this.#failure.error;
      return plan;
    }
    const writes = this.#hasWrites();
    if (this.#current !== null) {
      const touchOnly = !writes;
      const due = clock.now - this.#current.record.lastSeenAt >= clock.touchInterval;
      if (writes || due) plan.write = { kind: 'patch', target: this.#current, patch: this.#patch(), touchOnly };
    } else if (this.#regenerated || (writes && (this.#resolved || this.#startsFresh()))) {
      const base = this.#base ?? emptyRecord(clock.now, clock.idleTimeout, clock.absoluteTimeout);
      const id = (this.#newId ??= newSessionId());
      plan.write = { kind: 'create', id, record: applyPatch(base, this.#patch())! };
    } else if (writes) {
      // Written without reading: the backend resolves the cookie (and may
      // patch in place with an atomic update, without a read).
      plan.write = { kind: 'patch', target: undefined, patch: this.#patch(), touchOnly: false };
    }
    if (plan.write === undefined && (this.#destroyed || this.#sawInvalidCookie) && this.source.hasCookie) plan.clearCookie = true;
    return plan;
  }

  /**
   * @internal A blind write found no live session behind the cookie: the
   * writes go to a new session with a new id (never the client's).
   */
  startOver(): { id: string; record: SessionRecord } {
    const clock = this.source.clock;
    this.#sawInvalidCookie = true;
    this.#resolved = true;
    const id = (this.#newId ??= newSessionId());
    return { id, record: applyPatch(emptyRecord(clock.now, clock.idleTimeout, clock.absoluteTimeout), this.#patch())! };
  }

  /** @internal Commit succeeded: the session now lives under `id`. */
  committed(loaded: LoadedSession | null): void {
    this.#current = loaded;
    this.#remove = [];
    this.#base = undefined;
    this.#newId = undefined;
    this.#regenerated = false;
    this.#destroyed = false;
    this.#writes = undefined;
  }
}
