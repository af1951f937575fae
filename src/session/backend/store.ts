/**
 * The backend for server-side stores: the cookie carries only a signed id.
 * Loading verifies the signature before any store call; committing applies
 * the plan (deletes, an atomic patch or a full write) and sends at most one
 * Set-Cookie.
 */
import { serializeDeletion } from '../../cookie/headers.ts';
import { serializeCookie } from '../../cookie/serialize.ts';
import type {
  CommitPlan,
  CommitResult,
  LoadedSession,
  LoadResult,
  RequestContext,
  SessionBackend,
} from '../contracts.ts';
import { newSessionId, sessionIdOf, verifiedToken } from '../id.ts';
import { newValidator, nextValidator, tokenValue } from '../rotation.ts';
import { copyServes, judgeLoaded } from './rotation-check.ts';
import { isOwnedUpdatable, isPeekable, peekRecord, updateOwned } from './fast-paths.ts';
import { commitInProcess, INVALID, knownSession, loadInProcess } from './in-process.ts';
import { applyPatch, emptyRecord, renewRecord } from '../record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../types.ts';

/** What a write did: the session now stored, and whether the cookie must carry a new id. */
interface Outcome {
  live: LoadedSession | null | undefined;
  /** A blind write found the cookie's value reused (rotation) and ended its session. */
  reused?: LoadedSession;
  newId?: boolean;
  startedOver?: boolean;
  /** `live.record` is the engine's estimate of what an atomic store wrote, not what it holds: never cached. */
  estimated?: boolean;
}

export class StoreBackend implements SessionBackend {
  readonly #context: RequestContext;
  readonly #store: SessionStore;

  constructor(context: RequestContext, store: SessionStore) {
    this.#context = context;
    this.#store = store;
  }

  /** Reads a record the engine will only read: without a copy where the store allows it. */
  #read(key: string): Promise<SessionRecord | null> {
    const store = this.#store;
    return isPeekable(store) ? Promise.resolve().then(() => store[peekRecord](key)) : store.get(key);
  }

  /** The store's atomic update, taking the engine's patch without a copy where the store allows it. */
  #update(key: string, patch: SessionPatch): Promise<boolean> {
    const store = this.#store;
    return isOwnedUpdatable(store)
      ? Promise.resolve().then(() => store[updateOwned](key, patch))
      : store.update!(key, patch);
  }

  /** Whether the store updates atomically (`update`, or the engine's own fast path). */
  get #atomic(): boolean {
    const store = this.#store;
    return isOwnedUpdatable(store) || typeof store.update === 'function';
  }

  /** The verified token (a session id, and a validator with rotation) the request carries, or null. No store call. */
  #verifiedToken(): Promise<string | null> {
    const context = this.#context;
    return verifiedToken(context.keyring, context.cookie.name, context.sessionToken, context.policy.now);
  }

  /** The verified session id the request's cookie carries, or null. No store call. */
  async #verifiedId(): Promise<string | null> {
    const token = await this.#verifiedToken();
    return token === null ? null : sessionIdOf(token);
  }

  /** What the store's record says of the request's token (with rotation, its validator decides). */
  #found(token: string, id: string, key: string, record: SessionRecord | null): LoadResult {
    return judgeLoaded(this.#context, token, id, key, record);
  }

  /**
   * Loads the session behind the request's cookie; store errors propagate.
   * A cookie seen before (its signature remembered, its key cached) goes
   * straight to the store: the common case costs one store read and no crypto.
   */
  load(): Promise<LoadResult> {
    const known = knownSession(this.#context);
    if (known === null) return Promise.resolve(INVALID);
    if (known === undefined) return this.#loadVerifying();
    const { token, id, key } = known;
    return this.#context.readCache
      ? this.#loadCached(token, id, key)
      : this.#read(key).then((record) => this.#found(token, id, key, record));
  }

  /** `load` without a promise, when nothing in it waits (see {@link loadInProcess}). */
  loadNow(): LoadResult | undefined {
    return loadInProcess(this.#context, this.#store);
  }

  /** `commit` without a promise, when nothing in it waits (see {@link commitInProcess}). */
  commitNow(plan: CommitPlan): CommitResult | undefined {
    return commitInProcess(this.#context, this.#store, plan);
  }

  async #loadVerifying(): Promise<LoadResult> {
    const token = await this.#verifiedToken();
    const id = token === null ? null : sessionIdOf(token);
    if (id === null) return INVALID;
    const key = await this.#context.keys.of(id);
    if (this.#context.readCache) return this.#loadCached(token!, id, key);
    return this.#found(token!, id, key, await this.#read(key));
  }

  /**
   * From the read cache when the request carries a fresh copy (and, with
   * `checkRevocation`, the store has not seen the session end since), else
   * the store.
   */
  async #loadCached(token: string, id: string, key: string): Promise<LoadResult> {
    const context = this.#context;
    const record = await context.readCache!.read(context, key);
    if (record !== null && copyServes(context, token, record)) {
      const ended = context.readCache!.checkRevocation && (await this.#store.hasEnded!(key, record));
      if (!ended) return { verdict: 'valid', session: { id, key, record, cached: true } };
    }
    return this.#found(token, id, key, await this.#read(key));
  }

  /** The session from the store itself, never from a read cache copy (`get(key, { fresh: true })`). */
  async reload(): Promise<LoadResult> {
    const token = await this.#verifiedToken();
    const id = token === null ? null : sessionIdOf(token);
    if (id === null) return INVALID;
    const key = await this.#context.keys.of(id);
    return this.#found(token!, id, key, await this.#read(key));
  }

  /**
   * Carries out the plan against the store; at most one Set-Cookie. The write
   * comes first and deletions after it, so a failed write (a KV 429, a Durable
   * Object error) leaves the session the request came with intact.
   */
  async commit(plan: CommitPlan): Promise<CommitResult> {
    let outcome: Outcome = { live: undefined };
    const write = plan.write;
    if (write?.kind === 'patch' && write.patch.rotate?.to === '')
      await this.#deriveNext(plan, write.patch.rotate);
    if (write?.kind === 'create') outcome = await this.#create(write.id, write.record);
    else if (write?.kind === 'move')
      outcome = await this.#move(write.from, write.id, write.patch, write.fresh);
    else if (write?.kind === 'patch') {
      outcome = write.target
        ? await this.#patchLoaded(write.target, write.patch, write.touchOnly)
        : await this.#patchBlind(write.patch);
    }
    const keys = plan.remove.map((removed) => removed.key);
    if (plan.removeCookieSession) {
      const id = await this.#verifiedId();
      if (id !== null) keys.push(await this.#context.keys.of(id));
    }
    if (keys.length > 0) await Promise.all(keys.map((key) => this.#store.delete(key)));

    const context = this.#context;
    const { name } = context.cookie;
    const setCookies: string[] = [];
    // A session that travels in a header sets no cookie: the app hands the token out (`session.token()`).
    const carryCookie = context.transport === 'cookie';
    // The cookie carries the id of a new session, or again that of the
    // loaded one when its persistence changed or its persistent cookie slides.
    const carried = !carryCookie
      ? undefined
      : outcome.newId && outcome.live
        ? outcome.live
        : plan.resend && write?.kind === 'patch' && write.target && outcome.live !== null
          ? { id: write.target.id, record: plan.resend }
          : undefined;
    if (carried) {
      // The signed id expires with the session's absolute lifetime.
      const value = await context.sign(tokenValue(carried.id, carried.record), carried.record);
      setCookies.push(serializeCookie(name, value, context.cookieAttributes(carried.record)));
    } else if (plan.clearCookie && carryCookie && context.sessionToken !== undefined) {
      setCookies.push(serializeDeletion(name, context.cookie.attributes));
    }
    if (context.readCache && carryCookie) await this.#refreshCache(plan, outcome, setCookies);
    const result: CommitResult = {
      setCookies,
      live: outcome.live,
      startedOver: outcome.startedOver === true,
      removed: keys,
    };
    if (outcome.reused) result.reused = outcome.reused;
    return result;
  }

  /**
   * Fills in the value a rotation moves to: derived from the one it replaces,
   * so every request rotating the same value writes and sends the same next
   * one. The HMAC runs only here, at a rotation.
   */
  async #deriveNext(plan: CommitPlan, rotate: NonNullable<SessionPatch['rotate']>): Promise<void> {
    const target = plan.write?.kind === 'patch' ? plan.write.target : undefined;
    rotate.to = await nextValidator(this.#context.keyring, target!.id, rotate.from);
    // The resent record is the plan's own copy (applyPatch made its rotation state).
    if (plan.resend?.rotation) plan.resend.rotation.current = rotate.to;
  }

  /**
   * Rewrites the read cache with the record as this commit left it, fills it
   * after a store read, or drops it (after an atomic update) — so no request
   * reads its own stale write; a record too large for one cookie drops it
   * (never truncated).
   */
  async #refreshCache(plan: CommitPlan, outcome: Outcome, setCookies: string[]): Promise<void> {
    const context = this.#context;
    const cache = context.readCache!;
    const wrote = plan.write !== undefined || plan.remove.length > 0 || plan.removeCookieSession;
    let next: { key: string; record: SessionRecord } | null | undefined;
    if (plan.clearCookie || plan.noStore) next = null;
    else if (outcome.newId && outcome.live) next = outcome.estimated ? null : outcome.live;
    else if (plan.write?.kind === 'patch') {
      // The record the write left is known only when this request wrote it
      // whole; after an atomic update other requests' changes may be in it
      // too, so the copy is dropped and the next read fills it from the store.
      next = outcome.live ?? null;
    } else if (plan.attached && !plan.attached.cached) next = plan.attached; // read from the store: fill the cache
    if (next === undefined && !wrote) return;
    // A write gives the browser a new write version, so copies made by
    // requests that read before this write landed (and answer after it) are
    // never used; a read-only request stamps its copy with the version it came with.
    let version = cache.version(context);
    if (wrote) {
      const bumped = cache.nextVersion(context);
      version = bumped.version;
      setCookies.push(bumped.line);
    }
    const line = next ? await cache.line(context, next.key, next.record, version) : null;
    if (line) setCookies.push(line);
    else if (cache.carried(context) !== undefined) setCookies.push(cache.deletion(context));
  }

  /**
   * `regenerate()`: the session moves to a new id only if the store still
   * holds it live now — atomically where the store can (`move`), else read
   * from the store (never the read cache) right before the write. A session
   * ended meanwhile is not carried over: the request starts a fresh one.
   */
  async #move(from: LoadedSession, id: string, patch: SessionPatch, fresh: SessionRecord): Promise<Outcome> {
    const store = this.#store;
    const key = await this.#context.keys.of(id);
    if (store.move) {
      if (await store.move(from.key, key, patch)) {
        // The store built the record; this one has its timestamps and
        // lifetime (for the cookie) but may lack other requests' writes, so
        // it is never cached.
        return {
          live: { id, key, record: renewRecord(from.record, patch) ?? fresh },
          newId: true,
          estimated: true,
        };
      }
    } else {
      const record = renewRecord(await store.get(from.key), patch);
      if (record !== null) {
        await store.set(key, record, record.expiresAt);
        await store.delete(from.key);
        return { live: { id, key, record }, newId: true };
      }
    }
    const outcome = await this.#create(newSessionId(), fresh);
    return { ...outcome, startedOver: true };
  }

  async #create(id: string, record: SessionRecord): Promise<Outcome> {
    const key = await this.#context.keys.of(id);
    await this.#store.set(key, record, record.expiresAt);
    return { live: { id, key, record }, newId: true };
  }

  /**
   * Applies a patch to a session that was loaded in this request. Atomic
   * stores apply it to the record as it is now; for the others the record is
   * read again right before the write, so a session logged out or revoked
   * meanwhile is not written back (the window left is one store round trip),
   * and keys other requests changed meanwhile are kept.
   */
  async #patchLoaded(target: LoadedSession, patch: SessionPatch, touchOnly: boolean): Promise<Outcome> {
    const store = this.#store;
    if (this.#atomic) return (await this.#update(target.key, patch)) ? { live: undefined } : { live: null };
    const next = applyPatch(await store.get(target.key), patch);
    if (next === null) return { live: null };
    if (touchOnly && store.touch) await store.touch(target.key, next, next.expiresAt);
    else await store.set(target.key, next, next.expiresAt);
    return { live: { id: target.id, key: target.key, record: next } };
  }

  /**
   * Applies a patch from a request that wrote without reading. With
   * rotation, the cookie's value is checked first (one read): a reused one
   * ends its session, and the writes start a new one.
   */
  async #patchBlind(patch: SessionPatch): Promise<Outcome> {
    const store = this.#store;
    const token = await this.#verifiedToken();
    const id = token === null ? null : sessionIdOf(token);
    let reused: LoadedSession | undefined;
    if (id !== null && this.#context.policy.rotation !== undefined) {
      const key = await this.#context.keys.of(id);
      const judged = this.#found(token!, id, key, await store.get(key));
      reused = judged.reused;
      if (reused) await store.delete(key);
    }
    if (id !== null && reused === undefined) {
      const key = await this.#context.keys.of(id);
      if (this.#atomic) {
        // Atomic stores patch in place without a read.
        if (await this.#update(key, patch)) return { live: undefined };
      } else {
        const next = applyPatch(await store.get(key), patch);
        if (next !== null) {
          await store.set(key, next, next.expiresAt);
          return { live: { id, key, record: next } };
        }
      }
    }
    // No live session behind the cookie: the writes start a new one, with a
    // new id (never the client's, OWASP session fixation).
    const policy = this.#context.policy;
    const fresh = emptyRecord(policy.now, policy);
    if (policy.rotation) fresh.rotation = { current: newValidator(), at: policy.now };
    const outcome = await this.#create(newSessionId(), applyPatch(fresh, patch)!);
    return reused ? { ...outcome, startedOver: true, reused } : { ...outcome, startedOver: true };
  }
}
