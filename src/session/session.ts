/**
 * One request's session: lazy reads, synchronous writes recorded as a patch,
 * and a commit plan the manager carries out. Nothing here touches a store or a
 * header directly; the backend loads, the manager commits.
 */
import { applyPatch, emptyRecord, isLive } from './record.ts';
import { newSessionId } from './id.ts';
import type { NumericKeys, Session, SessionPatch, SessionRecord, SessionShape } from './types.ts';

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

/** The part of a session that backends use when committing. */
export type CommittableSession = Pick<SessionImpl, 'plan' | 'startOver' | 'committed'>;

function isJsonable(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}

export class SessionImpl<Data extends SessionShape = SessionShape, Flash extends SessionShape = SessionShape>
  implements Session<Data, Flash>
{
  readonly #clock: SessionClock;
  readonly #load: () => Promise<LoadedSession | null>;
  readonly #hasCookie: boolean;

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

  #set = new Map<string, unknown>();
  #unset = new Set<string>();
  #increment = new Map<string, number>();
  #flash = new Map<string, unknown>();
  #consumed = new Set<string>();

  constructor(clock: SessionClock, hasCookie: boolean, load: () => Promise<LoadedSession | null>) {
    this.#clock = clock;
    this.#hasCookie = hasCookie;
    this.#load = load;
  }

  get id(): string | undefined {
    if (this.#current !== null) return this.#current.id;
    // A session this request would create: its id can be fixed now (it is
    // only stored if the request writes something).
    if (this.#newId === undefined && (this.#startsFresh() || this.#resolved)) this.#newId = newSessionId();
    return this.#newId;
  }

  get isNew(): boolean {
    return !this.#hasCookie || this.#sawInvalidCookie;
  }

  /** No cookie came in, or the session was destroyed: nothing to look up. */
  #startsFresh(): boolean {
    return !this.#hasCookie || this.#destroyed;
  }

  /** Loads the stored record once; store errors reject every read, and commit. */
  async #resolve(): Promise<void> {
    if (this.#resolved) return;
    if (this.#failure) throw this.#failure.error;
    if (this.#startsFresh()) {
      this.#resolved = true;
      return;
    }
    this.#loading ??= this.#load().then(
      (loaded) => {
        const clock = this.#clock;
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

  async get(key: string): Promise<never> {
    await this.#resolve();
    if (this.#flash.has(key)) {
      const value = this.#flash.get(key);
      this.#flash.delete(key);
      return value as never;
    }
    const record = this.#record();
    if (record && Object.hasOwn(record.flash, key) && !this.#consumed.has(key)) {
      this.#consumed.add(key);
      return record.flash[key] as never;
    }
    return this.#dataValue(key) as never;
  }

  #dataValue(key: string): unknown {
    if (this.#unset.has(key)) return this.#increment.get(key);
    if (this.#set.has(key)) {
      const value = this.#set.get(key);
      const add = this.#increment.get(key);
      return add === undefined ? value : (typeof value === 'number' ? value : 0) + add;
    }
    const record = this.#record();
    const stored = record && Object.hasOwn(record.data, key) ? record.data[key] : undefined;
    const add = this.#increment.get(key);
    return add === undefined ? stored : (typeof stored === 'number' ? stored : 0) + add;
  }

  async has(key: string): Promise<boolean> {
    await this.#resolve();
    if (this.#flash.has(key)) return true;
    const record = this.#record();
    if (record && Object.hasOwn(record.flash, key) && !this.#consumed.has(key)) return true;
    return this.#dataValue(key) !== undefined;
  }

  set(key: string, value: unknown): void {
    if (!isJsonable(value)) throw new TypeError(`session.set: value for "${key}" is not JSON-serializable`);
    this.#set.set(key, value);
    this.#unset.delete(key);
    this.#increment.delete(key);
  }

  unset(key: string): void {
    this.#set.delete(key);
    this.#increment.delete(key);
    this.#unset.add(key);
    this.#flash.delete(key);
    this.#consumed.add(key);
  }

  increment(key: NumericKeys<Data>, by = 1): void {
    if (!Number.isFinite(by)) throw new TypeError('session.increment: by must be a finite number');
    this.#increment.set(key, (this.#increment.get(key) ?? 0) + by);
  }

  flash(key: string, value: unknown): void {
    if (!isJsonable(value)) throw new TypeError(`session.flash: value for "${key}" is not JSON-serializable`);
    this.#flash.set(key, value);
  }

  async regenerate(): Promise<void> {
    await this.#resolve();
    const clock = this.#clock;
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
    if (this.#hasCookie && !this.#destroyed && this.#current === null && !this.#resolved) {
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
    this.#set.clear();
    this.#unset.clear();
    this.#increment.clear();
    this.#flash.clear();
    this.#consumed.clear();
  }

  /** @internal The request used the session in any way. */
  get touched(): boolean {
    return this.#resolved || this.#loading !== undefined || this.#hasWrites() || this.#remove.length > 0;
  }

  #hasWrites(): boolean {
    return this.#set.size + this.#unset.size + this.#increment.size + this.#flash.size + this.#consumed.size > 0;
  }

  #patch(): SessionPatch {
    const clock = this.#clock;
    const patch: SessionPatch = {
      now: clock.now,
      idleTimeout: clock.idleTimeout,
      absoluteTimeout: clock.absoluteTimeout,
      userField: clock.userField,
    };
    if (this.#set.size > 0) patch.set = Object.fromEntries(this.#set);
    if (this.#unset.size > 0) patch.unset = [...this.#unset];
    if (this.#increment.size > 0) patch.increment = Object.fromEntries(this.#increment);
    if (this.#flash.size > 0) patch.flash = Object.fromEntries(this.#flash);
    if (this.#consumed.size > 0) patch.consumed = [...this.#consumed];
    return patch;
  }

  /**
   * @internal What commit must do. Throws the store error if the session
   * could not be loaded and the request still tried to write.
   */
  plan(): CommitPlan {
    const clock = this.#clock;
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
    if (plan.write === undefined && (this.#destroyed || this.#sawInvalidCookie) && this.#hasCookie) plan.clearCookie = true;
    return plan;
  }

  /**
   * @internal A blind write found no live session behind the cookie: the
   * writes go to a new session with a new id (never the client's).
   */
  startOver(): { id: string; record: SessionRecord } {
    const clock = this.#clock;
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
    this.#set.clear();
    this.#unset.clear();
    this.#increment.clear();
    this.#flash.clear();
    this.#consumed.clear();
  }
}
