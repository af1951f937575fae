/**
 * The backend for server-side stores: the cookie carries only a signed id.
 * Loading verifies the signature before any store call; committing applies
 * the plan (deletes, an atomic patch or a full write) and sends at most one
 * Set-Cookie.
 */
import { serializeDeletion } from '../cookie/headers.ts';
import { getCookie } from '../cookie/parse.ts';
import { serializeCookie } from '../cookie/serialize.ts';
import { sign, verify, verifyRemembered } from '../crypto/sign.ts';
import type { CommitPlan, CommitResult, LoadedSession, RequestContext, SessionBackend } from './contracts.ts';
import { isSessionId, newSessionId } from './id.ts';
import { applyPatch, emptyRecord } from './record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from './types.ts';

/** Longest session cookie worth verifying: id (43) + trailer (< 80). */
const MAX_COOKIE_LENGTH = 256;

/** What a write did: the session now stored, and whether the cookie must carry a new id or be cleared. */
interface Outcome {
  live: LoadedSession | null | undefined;
  newId?: boolean;
  clear?: boolean;
  startedOver?: boolean;
}

export class StoreBackend implements SessionBackend {
  readonly #context: RequestContext;
  readonly #store: SessionStore;

  constructor(context: RequestContext, store: SessionStore) {
    this.#context = context;
    this.#store = store;
  }

  /** The request's session cookie, if it is short enough to be one of ours. */
  #cookieValue(): string | undefined {
    const raw = getCookie(this.#context.request, this.#context.cookie.name);
    return raw !== undefined && raw.length <= MAX_COOKIE_LENGTH ? raw : undefined;
  }

  /** The verified session id the request's cookie carries, or null. No store call. */
  async #verifiedId(): Promise<string | null> {
    const raw = this.#cookieValue();
    if (raw === undefined) return null;
    const context = this.#context;
    const id = await verify(context.keyring, context.cookie.name, raw, { now: context.policy.now });
    return isSessionId(id) ? id : null;
  }

  /**
   * Loads the session behind the request's cookie; store errors propagate.
   * A cookie seen before (its signature remembered, its key cached) goes
   * straight to the store: the common case costs one store read and no crypto.
   */
  load(): Promise<LoadedSession | null> {
    const raw = this.#cookieValue();
    if (raw === undefined) return Promise.resolve(null);
    const context = this.#context;
    const remembered = verifyRemembered(context.keyring, context.cookie.name, raw, context.policy.now);
    const key = remembered !== undefined && isSessionId(remembered) ? context.keys.cached(remembered) : undefined;
    if (key !== undefined) return this.#store.get(key).then((record) => (record ? { id: remembered!, key, record } : null));
    return this.#loadVerifying();
  }

  async #loadVerifying(): Promise<LoadedSession | null> {
    const id = await this.#verifiedId();
    if (id === null) return null;
    const key = await this.#context.keys.of(id);
    const record = await this.#store.get(key);
    return record ? { id, key, record } : null;
  }

  /** Carries out the plan against the store; at most one Set-Cookie. */
  async commit(plan: CommitPlan): Promise<CommitResult> {
    const store = this.#store;
    if (plan.remove.length > 0) await Promise.all(plan.remove.map((removed) => store.delete(removed.key)));
    let outcome: Outcome = { live: undefined, clear: plan.clearCookie };
    const write = plan.write;
    if (write?.kind === 'create') outcome = await this.#create(write.id, write.record);
    else if (write?.kind === 'patch') {
      outcome = write.target ? await this.#patchLoaded(write.target, write.patch, write.touchOnly) : await this.#patchBlind(write.patch);
    }
    const context = this.#context;
    const { name } = context.cookie;
    const setCookies: string[] = [];
    if (outcome.newId && outcome.live) {
      const { id, record } = outcome.live;
      // The signed id expires with the session's absolute lifetime.
      const value = await sign(context.keyring, name, id, { expires: new Date(record.createdAt + context.policy.absoluteMs) });
      setCookies.push(serializeCookie(name, value, context.cookieAttributes(record.createdAt)));
    } else if (outcome.clear && getCookie(context.request, name) !== undefined) {
      setCookies.push(serializeDeletion(name, context.cookie.attributes));
    }
    return { setCookies, live: outcome.live, startedOver: outcome.startedOver === true };
  }

  async #create(id: string, record: SessionRecord): Promise<Outcome> {
    const key = await this.#context.keys.of(id);
    await this.#store.set(key, record, record.expiresAt);
    return { live: { id, key, record }, newId: true };
  }

  /** Applies a patch to a session that was loaded in this request. */
  async #patchLoaded(target: LoadedSession, patch: SessionPatch, touchOnly: boolean): Promise<Outcome> {
    const store = this.#store;
    // Atomic stores apply the patch themselves (to the record as it is now).
    // The session keeps its loaded record: reads after commit are rare.
    if (store.update) return (await store.update(target.key, patch)) ? { live: target } : { live: null, clear: true };
    const next = applyPatch(target.record, patch);
    // Gone meanwhile (logged out or revoked elsewhere): never resurrect it.
    if (next === null) return { live: null, clear: true };
    if (touchOnly && store.touch) await store.touch(target.key, next, next.expiresAt);
    else await store.set(target.key, next, next.expiresAt);
    return { live: { ...target, record: next } };
  }

  /** Applies a patch from a request that wrote without reading. */
  async #patchBlind(patch: SessionPatch): Promise<Outcome> {
    const store = this.#store;
    const id = await this.#verifiedId();
    if (id !== null) {
      const key = await this.#context.keys.of(id);
      if (store.update) {
        // Atomic stores patch in place without a read.
        if (await store.update(key, patch)) return { live: undefined };
      } else {
        const next = applyPatch(await store.get(key), patch);
        if (next !== null) {
          await store.set(key, next, next.expiresAt);
          return { live: { id, key, record: next } };
        }
      }
    }
    // No live session behind the cookie: the writes start a new one, with a new id.
    const policy = this.#context.policy;
    const outcome = await this.#create(newSessionId(), applyPatch(emptyRecord(policy.now, policy), patch)!);
    return { ...outcome, startedOver: true };
  }
}
