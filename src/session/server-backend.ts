/**
 * Sessions kept in a `SessionStore`: the cookie carries only a signed id.
 * Loading verifies the signature before any store call; committing applies
 * the request's plan (deletes, an atomic patch or a full write) and sends at
 * most one Set-Cookie.
 */
import { getCookie } from '../cookie/parse.ts';
import { sign, verify, verifyRemembered } from '../crypto/sign.ts';
import { attributesFor, clearCookie, writeCookie, type RequestContext, type SetCookieLines } from './context.ts';
import { isSessionId } from './id.ts';
import { applyPatch } from './record.ts';
import type { CommittableSession, LoadedSession } from './session.ts';
import type { SessionPatch, SessionRecord, SessionStore } from './types.ts';

/** Longest session cookie worth verifying: id (43) + trailer (< 80). */
const MAX_COOKIE_LENGTH = 256;

/** The request's session cookie, if it is short enough to be one of ours. */
function cookieValue(context: RequestContext): string | undefined {
  const raw = getCookie(context.request, context.cookie.name);
  return raw !== undefined && raw.length <= MAX_COOKIE_LENGTH ? raw : undefined;
}

/** The verified session id the request's cookie carries, or null. No store call. */
async function verifiedId(context: RequestContext): Promise<string | null> {
  const raw = cookieValue(context);
  if (raw === undefined) return null;
  const id = await verify(context.keyring, context.cookie.name, raw, { now: context.clock.now });
  return isSessionId(id) ? id : null;
}

/**
 * Loads the session behind the request's cookie; store errors propagate.
 * A cookie seen before (its signature remembered, its key cached) goes
 * straight to the store: the common case costs one store read and no crypto.
 */
export function loadFromStore(context: RequestContext, store: SessionStore): Promise<LoadedSession | null> {
  const raw = cookieValue(context);
  if (raw === undefined) return Promise.resolve(null);
  const remembered = verifyRemembered(context.keyring, context.cookie.name, raw, context.clock.now);
  const key = remembered !== undefined && isSessionId(remembered) ? context.keys.cached(remembered) : undefined;
  if (key !== undefined) return store.get(key).then((record) => (record ? { id: remembered!, key, record } : null));
  return loadVerifying(context, store);
}

async function loadVerifying(context: RequestContext, store: SessionStore): Promise<LoadedSession | null> {
  const id = await verifiedId(context);
  if (id === null) return null;
  const key = await context.keys.of(id);
  const record = await store.get(key);
  return record ? { id, key, record } : null;
}

interface Outcome {
  /** The session now stored, or null when there is none. */
  live: LoadedSession | null;
  /** The cookie must carry this (new) id. */
  newId?: string;
  /** The cookie must be expired. */
  clear?: boolean;
}

async function create(context: RequestContext, store: SessionStore, id: string, record: SessionRecord): Promise<Outcome> {
  const key = await context.keys.of(id);
  await store.set(key, record, record.expiresAt);
  return { live: { id, key, record }, newId: id };
}

/** Applies a patch to a session that was loaded in this request. */
async function patchLoaded(store: SessionStore, target: LoadedSession, patch: SessionPatch, touchOnly: boolean): Promise<Outcome> {
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
async function patchBlind(context: RequestContext, store: SessionStore, session: CommittableSession, patch: SessionPatch): Promise<Outcome> {
  const id = await verifiedId(context);
  if (id !== null) {
    const key = await context.keys.of(id);
    if (store.update) {
      // Atomic stores patch in place without a read.
      if (await store.update(key, patch)) return { live: null };
    } else {
      const next = applyPatch(await store.get(key), patch);
      if (next !== null) {
        await store.set(key, next, next.expiresAt);
        return { live: { id, key, record: next } };
      }
    }
  }
  // No live session behind the cookie: the writes start a new one, with a new id.
  const fresh = session.startOver();
  return create(context, store, fresh.id, fresh.record);
}

/**
 * Carries out the session's commit plan against `store`, adding at most one
 * Set-Cookie to `lines`. Resolves to whether the response must not be cached
 * (logout).
 */
export async function commitToStore(
  context: RequestContext,
  store: SessionStore,
  session: CommittableSession,
  lines: SetCookieLines,
): Promise<boolean> {
  const plan = session.plan();
  if (plan.remove.length > 0) await Promise.all(plan.remove.map((removed) => store.delete(removed.key)));
  let outcome: Outcome = { live: null, clear: plan.clearCookie };
  const write = plan.write;
  if (write?.kind === 'create') outcome = await create(context, store, write.id, write.record);
  else if (write?.kind === 'patch') {
    outcome = write.target
      ? await patchLoaded(store, write.target, write.patch, write.touchOnly)
      : await patchBlind(context, store, session, write.patch);
  }
  const { name } = context.cookie;
  if (outcome.newId !== undefined && outcome.live !== null) {
    const createdAt = outcome.live.record.createdAt;
    // The signed id expires with the session's absolute lifetime.
    const value = await sign(context.keyring, name, outcome.newId, { expires: new Date(createdAt + context.clock.absoluteTimeout) });
    writeCookie(lines, name, value, attributesFor(context, createdAt));
  } else if (outcome.clear && getCookie(context.request, name) !== undefined) {
    clearCookie(lines, name, context.cookie.attributes);
  }
  session.committed(outcome.live);
  return plan.noStore;
}
