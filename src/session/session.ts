/**
 * One request's session: lazy reads, synchronous writes recorded as a patch,
 * and a commit plan the manager hands to the backend. Nothing here touches a
 * store or a header.
 */
import type { CommitPlan, CommitResult, LoadedSession, SessionSource } from './contracts.ts';
import { newSessionId } from './id.ts';
import { emptyPatch, PendingWrites } from './pending.ts';
import { applyPatch, emptyRecord, isLive } from './record.ts';
import type { DefaultFlash, NumericKeys, Session, SessionPatch, SessionRecord, SessionShape } from './types.ts';

/**
 * Where the stored session stands for this request. `ready` holds the session
 * the cookie is attached to (null: none, or none any more).
 */
type LoadState =
  | { readonly phase: 'unread' }
  | { readonly phase: 'loading'; readonly promise: Promise<void> }
  | { readonly phase: 'ready'; readonly current: LoadedSession | null }
  | { readonly phase: 'failed'; readonly error: unknown };

const UNREAD: LoadState = { phase: 'unread' };

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

  #load: LoadState = UNREAD;
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
    const current = this.#current();
    if (current !== null) return current.id;
    // A session this request would create: its id can be fixed now (it is
    // only stored if the request writes something).
    if (this.#newId === undefined && (this.#startsFresh() || this.#load.phase === 'ready')) this.#newId = newSessionId();
    return this.#newId;
  }

  get isNew(): boolean {
    return !this.source.hasCookie || this.#sawInvalidCookie;
  }

  /** The stored session this request is attached to, if loaded. */
  #current(): LoadedSession | null {
    return this.#load.phase === 'ready' ? this.#load.current : null;
  }

  /** No cookie came in, or the session was destroyed: nothing to look up. */
  #startsFresh(): boolean {
    return !this.source.hasCookie || this.#destroyed;
  }

  /** Loads the stored record once; a store error rejects every read, and the commit. */
  #resolve(): Promise<void> {
    const load = this.#load;
    switch (load.phase) {
      case 'ready':
        return Promise.resolve();
      case 'loading':
        return load.promise;
      case 'failed':
        return Promise.reject(load.error);
    }
    if (this.#startsFresh()) {
      this.#load = { phase: 'ready', current: null };
      return Promise.resolve();
    }
    const promise = this.source.load().then(
      (loaded) => {
        if (loaded !== null && !isLive(loaded.record, this.source.policy.now, this.source.policy)) {
          this.#remove.push(loaded);
          loaded = null;
        }
        if (loaded === null) this.#sawInvalidCookie = true;
        this.#load = { phase: 'ready', current: loaded };
      },
      (error: unknown) => {
        this.#load = { phase: 'failed', error };
        throw error;
      },
    );
    this.#load = { phase: 'loading', promise };
    return promise;
  }

  #record(): SessionRecord | undefined {
    return this.#base ?? this.#current()?.record;
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
    const policy = this.source.policy;
    const old = this.#record();
    // Keep the data, start a new lifetime under a new id (OWASP: renew the
    // session id after any privilege level change).
    this.#base = { ...(old ?? emptyRecord(policy.now, policy)), createdAt: policy.now, lastSeenAt: policy.now };
    const current = this.#current();
    if (current !== null) this.#remove.push(current);
    this.#load = { phase: 'ready', current: null };
    this.#newId = newSessionId();
    this.#regenerated = true;
  }

  async destroy(): Promise<void> {
    if (this.source.hasCookie && !this.#destroyed && this.#load.phase !== 'ready') {
      // Find out which record to delete; errors propagate.
      await this.#resolve();
    }
    const current = this.#current();
    if (current !== null) this.#remove.push(current);
    this.#reset(null);
    this.#destroyed = true;
  }

  /**
   * Forgets every write and intent since the last commit, attached to
   * `current` (`undefined`: the load state stays as it is).
   */
  #reset(current: LoadedSession | null | undefined): void {
    if (current !== undefined) this.#load = { phase: 'ready', current };
    this.#base = undefined;
    this.#newId = undefined;
    this.#regenerated = false;
    this.#writes = undefined;
  }

  /** @internal The request used the session in any way. */
  get touched(): boolean {
    return this.#load.phase !== 'unread' || this.#hasWrites() || this.#remove.length > 0;
  }

  #hasWrites(): boolean {
    return this.#writes !== undefined && !this.#writes.empty;
  }

  #patch(): SessionPatch {
    const policy = this.source.policy;
    return this.#writes ? this.#writes.toPatch(policy) : emptyPatch(policy);
  }

  /**
   * @internal What commit must do. Throws the store error if the session
   * could not be loaded and the request still tried to write.
   */
  plan(): CommitPlan {
    const policy = this.source.policy;
    const plan: CommitPlan = { remove: [...this.#remove], write: undefined, clearCookie: false, noStore: this.#destroyed };
    if (this.#load.phase === 'failed') {
      if (this.#hasWrites() || this.#regenerated) throw this.#load.error;
      return plan;
    }
    const writes = this.#hasWrites();
    const current = this.#current();
    if (current !== null) {
      const touchOnly = !writes;
      const due = policy.now - current.record.lastSeenAt >= policy.touchIntervalMs;
      if (writes || due) plan.write = { kind: 'patch', target: current, patch: this.#patch(), touchOnly };
    } else if (this.#regenerated || (writes && (this.#load.phase === 'ready' || this.#startsFresh()))) {
      const base = this.#base ?? emptyRecord(policy.now, policy);
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

  /** @internal Commit succeeded: the session now lives where the backend says. */
  committed(result: CommitResult): void {
    if (result.startedOver) this.#sawInvalidCookie = true;
    this.#reset(result.live);
    this.#remove = [];
    this.#destroyed = false;
  }
}
