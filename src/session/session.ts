/**
 * One request's session: lazy reads, synchronous writes recorded as a patch,
 * and a commit plan the manager hands to the backend. Nothing here touches a
 * store or a header.
 *
 * Every mutation — `set`, `push`, `regenerate()`, `destroy()`, … — is recorded
 * the moment it is called, so it takes effect at commit whether or not the
 * caller awaited it.
 */
import type {
  CommitPlan,
  CommitResult,
  CookieVerdict,
  LoadedSession,
  LoadResult,
  SessionSource,
} from './contracts.ts';
import { newSessionId } from './id.ts';
import { infoOf } from './record.ts';
import { checkKey, cloneJson, copyJson } from './json.ts';
import { PendingWrites } from './pending.ts';
import { planCommit, previewRecord, type PlanInput } from './plan.ts';
import { isLive } from './record.ts';
import type {
  ArrayKeys,
  DefaultFlash,
  ElementOf,
  GetOptions,
  NumericKeys,
  Session,
  SessionInfo,
  SessionLifetime,
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
const SETTLED: Promise<void> = Promise.resolve();
/** Shared by every session that found nothing expired (most): frozen, so a push would throw rather than leak. */
const NONE_EXPIRED = Object.freeze([]) as unknown as LoadedSession[];

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
  /** Sessions found past their timeouts when read: deleted at commit. */
  #expired: LoadedSession[] = NONE_EXPIRED;
  /** With rotation: the session a replaced cookie value named after its grace (ended at commit). */
  #reused: LoadedSession | undefined;
  /** The loaded session `destroy()` ended: deleted at commit. */
  #destroyedSession: LoadedSession | undefined;
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
  /** The store key of the session last attached (kept across an atomic commit, which does not read back). */
  #handle: string | undefined;
  /** Commit has begun: a write now would never reach the response, so it throws. */
  #closed = false;

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
    return !this.source.hasCredential || (this.#verdict !== undefined && this.#verdict !== 'valid');
  }

  /** The stored session this request is attached to, if loaded. */
  #current(): LoadedSession | null {
    return this.#load.phase === 'ready' ? this.#load.current : null;
  }

  /** No cookie came in, or the session was destroyed: nothing to look up. */
  #startsFresh(): boolean {
    return !this.source.hasCredential || this.#destroyed;
  }

  /**
   * Whether the stored session is known now: loaded before, nothing to look
   * up, or a load the backend answers without waiting (an in-process store
   * and a cookie verified before) — done here, with no promise.
   */
  #settled(): boolean {
    const load = this.#load;
    if (load.phase !== 'unread') return load.phase === 'ready';
    if (this.#startsFresh()) {
      this.#load = DETACHED;
      return true;
    }
    let result: LoadResult | undefined;
    try {
      result = this.source.loadNow();
    } catch {
      return false; // the async load tries again and reports the error as a read failure
    }
    if (result === undefined) return false;
    this.#attach(result);
    return true;
  }

  /** Loads the stored record once; a store error rejects every read, and the commit. */
  #resolve(): Promise<void> {
    if (this.#settled()) return SETTLED;
    const load = this.#load;
    switch (load.phase) {
      case 'loading':
        return load.promise;
      case 'failed':
        return Promise.reject(load.error);
    }
    const promise = this.source.load().then(
      (result) => {
        if (this.#load === loading) this.#attach(result); // else destroyed meanwhile: nothing to attach to
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

  /** The load's answer becomes the session this request is attached to (none when past its timeouts). */
  #attach({ verdict, session, reused }: LoadResult): void {
    if (reused) this.#reused = reused;
    const policy = this.source.policy;
    if (session !== null && !isLive(session.record, policy.now, policy)) {
      this.#expired = [...this.#expired, session];
      session = null;
    }
    this.#verdict = session === null && verdict === 'valid' ? 'missing' : verdict;
    this.#load = { phase: 'ready', current: session };
    if (session) this.#handle = session.key;
  }

  /** Replaces a session loaded from a read cache copy by the store's record (or none, if it ended). */
  async #reloadFromStore(): Promise<void> {
    const { verdict, session, reused } = await this.source.reload();
    if (reused) this.#reused = reused;
    const policy = this.source.policy;
    const live = session !== null && isLive(session.record, policy.now, policy) ? session : null;
    if (session !== null && live === null) this.#expired = [...this.#expired, session];
    if (this.#load.phase !== 'ready') return; // destroyed meanwhile
    this.#verdict = live === null && verdict === 'valid' ? 'missing' : verdict;
    this.#load = { phase: 'ready', current: live };
    this.#handle = live?.key;
  }

  #record(): SessionRecord | undefined {
    return this.#current()?.record;
  }

  #pending(): PendingWrites {
    return (this.#writes ??= new PendingWrites());
  }

  get(key: string, options?: GetOptions): Promise<never> {
    // Loaded (or answered at once by an in-process store): no await. The
    // result is still a promise, and a failure still a rejection.
    if (!this.#settled() || (options?.fresh === true && this.#current()?.cached))
      return this.#getLater(key, options);
    try {
      return Promise.resolve(this.#value(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #getLater(key: string, options: GetOptions | undefined): Promise<never> {
    await this.#resolve();
    if (options?.fresh === true && this.#current()?.cached) await this.#reloadFromStore();
    return this.#value(key);
  }

  /** The value of `key` as this request sees it: what it wrote, else what was loaded (a flash is taken). */
  #value(key: string): never {
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
    this.#writable('set');
    checkKey('set', key);
    this.#pending().setValue(key, copyJson(value, 'session.set', key));
  }

  unset(key: string): void {
    this.#writable('unset');
    checkKey('unset', key);
    this.#pending().unsetKey(key);
  }

  increment(key: NumericKeys<Data>, by = 1): void {
    this.#writable('increment');
    checkKey('increment', key);
    if (!Number.isFinite(by)) throw new TypeError('session.increment: by must be a finite number');
    this.#pending().add(key, by);
  }

  push<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void {
    this.#writable('push');
    checkKey('push', key);
    this.#pending().pushValue(key, copyJson(value, 'session.push', key));
  }

  pull<K extends ArrayKeys<Data>>(key: K, value: ElementOf<Data, K>): void {
    this.#writable('pull');
    checkKey('pull', key);
    this.#pending().pullValue(key, copyJson(value, 'session.pull', key));
  }

  flash(key: string, value: unknown): void {
    this.#writable('flash');
    checkKey('flash', key);
    this.#pending().setFlash(key, copyJson(value, 'session.flash', key));
  }

  regenerate(): Promise<void> {
    this.#writable('regenerate');
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
    this.#writable('destroy');
    const current = this.#current();
    if (current !== null) this.#destroyedSession = current;
    else if (this.source.hasCredential && !this.#destroyed && this.#load.phase !== 'ready')
      this.#removeCookieSession = true;
    this.#destroyed = true;
    this.#handle = undefined;
    this.#reset(DETACHED);
    return Promise.resolve();
  }

  persist(lifetime?: SessionLifetime | false): void {
    this.#writable('persist');
    if (lifetime === false) {
      this.#pending().persist = false;
      return;
    }
    const own: { idleMs?: number; absoluteMs?: number } = {};
    for (const [option, field] of [
      ['idleTimeout', 'idleMs'],
      ['absoluteTimeout', 'absoluteMs'],
    ] as const) {
      const seconds = lifetime?.[option];
      if (seconds === undefined) continue;
      if (!Number.isInteger(seconds) || seconds <= 0) {
        throw new TypeError(`session.persist: ${option} must be a positive whole number of seconds`);
      }
      own[field] = seconds * 1000;
    }
    this.#pending().persist = own;
  }

  get handle(): string | undefined {
    return this.#handle;
  }

  /** @internal What the request's credential turned out to be, once loaded. */
  get verdict(): CookieVerdict | undefined {
    return this.#verdict;
  }

  get transport(): 'cookie' | 'header' {
    return this.source.transport;
  }

  async token(options?: { exposeCookieValue?: boolean }): Promise<string> {
    if (
      this.source.transport === 'cookie' &&
      this.source.hasCredential &&
      options?.exposeCookieValue !== true
    ) {
      throw new TypeError(
        'session.token: this session came in its HttpOnly cookie, and its token is that cookie value; ' +
          'returning it would hand the credential to page scripts. Send the token only to clients that use the ' +
          'sessionToken header, or pass { exposeCookieValue: true }',
      );
    }
    await this.#resolve();
    return this.source.sign(this.id!, previewRecord(this.#planInput()));
  }

  async info(): Promise<SessionInfo> {
    await this.#resolve();
    const record = previewRecord(this.#planInput());
    const handle = this.#handle ?? (await this.source.keyOf(this.id!));
    return infoOf(handle, record);
  }

  async isFresh(maxAge: number): Promise<boolean> {
    if (!(maxAge >= 0)) throw new TypeError('session.isFresh: maxAge must be a number of seconds');
    await this.#resolve();
    const record = previewRecord(this.#planInput());
    const authenticatedAt = record.authenticatedAt;
    return authenticatedAt !== undefined && this.source.policy.now - authenticatedAt <= maxAge * 1000;
  }

  /**
   * Writes after commit began would be lost without a word (a handler that
   * forgot an `await`, a `waitUntil` task): they throw instead.
   */
  #writable(caller: string): void {
    if (this.#closed) {
      throw new Error(
        `session.${caller}: the response was already committed, so this write would be lost; ` +
          'make every session write before the handler returns its response (check for a missing await)',
      );
    }
  }

  /** @internal Commit begins: from now on writes throw. */
  close(): void {
    this.#closed = true;
  }

  /**
   * @internal Commit failed: what this request wrote never reached the
   * store, so later reads go back to the store rather than show it.
   */
  abandon(): void {
    this.#reset(UNREAD);
    this.#expired = NONE_EXPIRED;
    this.#reused = undefined;
    this.#destroyedSession = undefined;
    this.#removeCookieSession = false;
    this.#destroyed = false;
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
      (this.#writes !== undefined && !this.#writes.empty) ||
      this.#regenerate ||
      this.#destroyed ||
      this.#expired.length > 0
    );
  }

  /** @internal For the plan: the id a session this request creates gets. */
  reserveId(): string {
    return (this.#newId ??= newSessionId());
  }

  /** @internal For the plan: the fields a new session starts with. */
  newSessionFields(): Pick<SessionRecord, 'persistent' | 'meta'> {
    return this.source.newSessionFields();
  }

  #planInput(): PlanInput {
    const load = this.#load;
    return {
      policy: this.source.policy,
      hasCredential: this.source.hasCredential,
      current: load.phase === 'ready' ? load.current : undefined,
      failure: load.phase === 'failed' ? { error: load.error } : undefined,
      verdict: this.#verdict,
      expired: this.#expired,
      reused: this.#reused,
      destroyedSession: this.#destroyedSession,
      removeCookieSession: this.#removeCookieSession,
      regenerate: this.#regenerate,
      destroyed: this.#destroyed,
      writes: this.#writes,
      creator: this,
    };
  }

  /**
   * @internal What commit must do: a plan, or a promise of one when the old
   * session must be read first. Throws (or rejects) with the store error if
   * the session could not be loaded and the request still tried to write.
   */
  plan(): CommitPlan | Promise<CommitPlan> {
    // Regenerating needs the old data, and a change of persistence the
    // record's lifetime for the cookie: finish (or start) reading it.
    if (
      (this.#regenerate || this.#writes?.persist !== undefined) &&
      !this.#destroyed &&
      this.#load.phase !== 'ready'
    ) {
      return this.#resolve().then(
        () => planCommit(this.#planInput()),
        () => planCommit(this.#planInput()),
      );
    }
    return planCommit(this.#planInput());
  }

  /**
   * @internal Commit succeeded: the session now lives where the backend
   * says. After a write whose result the backend did not read back (an
   * atomic update), the next read loads the record again.
   */
  committed(plan: CommitPlan, result: CommitResult): void {
    if (result.startedOver) this.#verdict = 'missing';
    const live = result.live;
    if (live) this.#handle = live.key;
    else if (live === null) this.#handle = undefined;
    this.#reset(
      plan.write === undefined
        ? this.#load
        : live === undefined
          ? UNREAD
          : live === null
            ? DETACHED
            : { phase: 'ready', current: live },
    );
    this.#expired = NONE_EXPIRED;
    this.#reused = undefined;
    this.#destroyedSession = undefined;
    this.#removeCookieSession = false;
    this.#destroyed = false;
  }
}
