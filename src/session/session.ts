/**
 * One request's session: lazy reads, synchronous writes recorded as a patch,
 * and a commit plan the manager hands to the backend. Nothing here touches a
 * store or a header.
 *
 * Every mutation — `set`, `push`, `regenerate()`, `destroy()`, … — is recorded
 * the moment it is called, so it takes effect at commit whether or not the
 * caller awaited it.
 */
import type { CommitPlan, CommitResult, CookieVerdict, LoadedSession, SessionSource } from './contracts.ts';
import { newSessionId } from './id.ts';
import { checkKey, cloneJson, copyJson } from './json.ts';
import { emptyPatch, PendingWrites } from './pending.ts';
import { applyPatch, emptyRecord, isLive } from './record.ts';
import type {
  ArrayKeys,
  DefaultFlash,
  ElementOf,
  NumericKeys,
  Session,
  SessionPatch,
  SessionRecord,
  SessionShape,
} from './types.ts';

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
const DETACHED: LoadState = { phase: 'ready', current: null };

export class SessionImpl<
  Data extends SessionShape = SessionShape,
  Flash extends SessionShape = DefaultFlash<Data>,
> implements Session<Data, Flash>
{
  /** The request this session belongs to (and whatever the manager keeps for it). */
  readonly source: SessionSource;

  #load: LoadState = UNREAD;
  /** What the request's cookie turned out to be, once loaded. */
  #verdict: CookieVerdict | undefined;
  /** Stored sessions to delete at commit (found dead, destroyed, or regenerated away). */
  #remove: LoadedSession[] = [];
  /** `destroy()` ran before the cookie's session was known: the backend finds and deletes it. */
  #removeCookieSession = false;
  /** `regenerate()` was called: commit moves the data to `#newId`. */
  #regenerate = false;
  /** `destroy()` was called: the cookie's session is gone for this request. */
  #destroyed = false;
  /** The id of the session this request would create (reserved on demand). */
  #newId: string | undefined;
  /** Writes, allocated on the first one (untouched sessions cost nothing). */
  #writes: PendingWrites | undefined;

  constructor(source: SessionSource) {
    this.source = source;
  }

  get id(): string | undefined {
    if (this.#regenerate) return this.#newId;
    const current = this.#current();
    if (current !== null) return current.id;
    // A session this request would create: its id can be fixed now (it is
    // only stored if the request writes something).
    if (this.#newId === undefined && (this.#startsFresh() || this.#load.phase === 'ready'))
      this.#newId = newSessionId();
    return this.#newId;
  }

  get isNew(): boolean {
    return !this.source.hasCookie || (this.#verdict !== undefined && this.#verdict !== 'valid');
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
      this.#load = DETACHED;
      return Promise.resolve();
    }
    const promise = this.source.load().then(
      ({ verdict, session }) => {
        if (this.#load !== loading) return; // destroyed meanwhile: nothing to attach to
        const policy = this.source.policy;
        if (session !== null && !isLive(session.record, policy.now, policy)) {
          this.#remove.push(session);
          session = null;
        }
        this.#verdict = session === null && verdict === 'valid' ? 'missing' : verdict;
        this.#load = { phase: 'ready', current: session };
      },
      (error: unknown) => {
        if (this.#load === loading) this.#load = { phase: 'failed', error };
        throw error;
      },
    );
    const loading: LoadState = { phase: 'loading', promise };
    this.#load = loading;
    return promise;
  }

  #record(): SessionRecord | undefined {
    return this.#current()?.record;
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
      return cloneJson(Object.hasOwn(record.data, key) ? record.data[key] : undefined) as never;
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
    checkKey('set', key);
    this.#pending().setValue(key, copyJson(value, `session.set: value for "${key}"`));
  }

  unset(key: string): void {
    checkKey('unset', key);
    this.#pending().unsetKey(key);
  }

  increment(key: NumericKeys<Data>, by = 1): void {
    checkKey('increment', key);
    if (!Number.isFinite(by)) throw new TypeError('session.increment: by must be a finite number');
    this.#pending().add(key, by);
  }

  push<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void {
    checkKey('push', key);
    this.#pending().pushValue(key, copyJson(value, `session.push: value for "${key}"`));
  }

  pull<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void {
    checkKey('pull', key);
    this.#pending().pullValue(key, copyJson(value, `session.pull: value for "${key}"`));
  }

  flash(key: string, value: unknown): void {
    checkKey('flash', key);
    this.#pending().flash.set(key, copyJson(value, `session.flash: value for "${key}"`));
  }

  regenerate(): Promise<void> {
    // Recorded now; commit moves the data (OWASP: renew the session id after
    // any privilege level change). Awaiting it loads the old session, so a
    // failed read surfaces here; not awaiting it must not leave an unhandled
    // rejection behind (commit reports the failure).
    this.#regenerate = true;
    this.#newId = newSessionId();
    const loaded = this.#resolve();
    loaded.catch(() => undefined);
    return loaded;
  }

  destroy(): Promise<void> {
    const current = this.#current();
    if (current !== null) this.#remove.push(current);
    else if (this.source.hasCookie && !this.#destroyed && this.#load.phase !== 'ready')
      this.#removeCookieSession = true;
    this.#destroyed = true;
    this.#reset(DETACHED);
    return Promise.resolve();
  }

  /** Forgets every write and intent since the last commit, in load state `load`. */
  #reset(load: LoadState): void {
    this.#load = load;
    this.#regenerate = false;
    this.#newId = undefined;
    this.#writes = undefined;
  }

  /** @internal The request used the session in any way. */
  get touched(): boolean {
    return (
      this.#load.phase !== 'unread' ||
      this.#hasWrites() ||
      this.#regenerate ||
      this.#destroyed ||
      this.#remove.length > 0
    );
  }

  #hasWrites(): boolean {
    return this.#writes !== undefined && !this.#writes.empty;
  }

  #patch(): SessionPatch {
    const policy = this.source.policy;
    return this.#writes ? this.#writes.toPatch(policy) : emptyPatch(policy);
  }

  /**
   * @internal What commit must do. Rejects with the store error if the
   * session could not be loaded and the request still tried to write.
   */
  async plan(): Promise<CommitPlan> {
    // Regenerating needs the old data: finish (or start) reading it.
    if (this.#regenerate && !this.#destroyed) await this.#resolve().catch(() => undefined);
    const policy = this.source.policy;
    const plan: CommitPlan = {
      remove: [...this.#remove],
      removeCookieSession: this.#removeCookieSession,
      write: undefined,
      clearCookie: false,
      noStore: this.#destroyed,
    };
    const load = this.#load;
    if (load.phase === 'failed') {
      if (this.#hasWrites() || this.#regenerate) throw load.error;
      return plan;
    }
    const writes = this.#hasWrites();
    const current = this.#current();
    if (this.#regenerate) {
      // The same data under a new id, with a new lifetime; the old record goes
      // once the new one is written.
      if (current !== null) plan.remove.push(current);
      const base = {
        ...(current?.record ?? emptyRecord(policy.now, policy)),
        createdAt: policy.now,
        lastSeenAt: policy.now,
        authenticatedAt: policy.now,
      };
      plan.write = { kind: 'create', id: this.#newId!, record: applyPatch(base, this.#patch())! };
    } else if (current !== null) {
      const touchOnly = !writes;
      const due = policy.now - current.record.lastSeenAt >= policy.touchIntervalMs;
      if (writes || due) plan.write = { kind: 'patch', target: current, patch: this.#patch(), touchOnly };
    } else if (writes && (load.phase === 'ready' || this.#startsFresh())) {
      const id = (this.#newId ??= newSessionId());
      plan.write = {
        kind: 'create',
        id,
        record: applyPatch(emptyRecord(policy.now, policy), this.#patch())!,
      };
    } else if (writes) {
      // Written without reading: the backend resolves the cookie (and may
      // patch in place with an atomic update, without a read).
      plan.write = { kind: 'patch', target: undefined, patch: this.#patch(), touchOnly: false };
    }
    // Expire the cookie only when this request ended the session or the
    // cookie is not ours. A validly signed id whose record is gone is left
    // alone: the browser may already hold a newer cookie (a login in another
    // tab) that a deletion would wipe.
    if (plan.write === undefined && this.source.hasCookie && (this.#destroyed || this.#verdict === 'invalid'))
      plan.clearCookie = true;
    return plan;
  }

  /**
   * @internal Commit succeeded: the session now lives where the backend
   * says. After a write whose result the backend did not read back (an
   * atomic update), the next read loads the record again.
   */
  committed(plan: CommitPlan, result: CommitResult): void {
    if (result.startedOver) this.#verdict = 'missing';
    const live = result.live;
    this.#reset(
      plan.write === undefined
        ? this.#load
        : live === undefined
          ? UNREAD
          : live === null
            ? DETACHED
            : { phase: 'ready', current: live },
    );
    this.#remove = [];
    this.#removeCookieSession = false;
    this.#destroyed = false;
  }
}
