/**
 * The load and the commit of a server-side store that answers in process
 * (MemoryStore, through the fast paths), without a promise when nothing in
 * them waits. An await costs more than the whole MemoryStore read or update;
 * the async API stays as it is, the engine just skips the hops when the
 * answer is already at hand.
 */
import { verifyRemembered } from '../../crypto/sign.ts';
import type { CommitPlan, CommitResult, LoadResult, RequestContext } from '../contracts.ts';
import { sessionCookieValue, sessionIdOf } from '../id.ts';
import type { SessionStore } from '../types.ts';
import { isOwnedUpdatable, isPeekable, peekRecord, updateOwned } from './fast-paths.ts';
import { judgeLoaded } from './rotation-check.ts';

/** No cookie lines, no removed keys: shared, frozen (nothing downstream appends to a commit's result). */
const NONE = Object.freeze([]) as unknown as string[];

/** An in-process patch's two results, shared and frozen: written (the next read loads again), or gone meanwhile. */
const PATCHED: CommitResult = Object.freeze({
  setCookies: NONE,
  live: undefined,
  startedOver: false,
  removed: NONE,
});
const GONE: CommitResult = Object.freeze({ setCookies: NONE, live: null, startedOver: false, removed: NONE });

/** What a cookie that is not ours (or none) loads. */
export const INVALID: LoadResult = { verdict: 'invalid', session: null };

/**
 * The session the request's cookie names when the cookie was verified before
 * (its signature remembered, its key cached): no crypto, no await. Null
 * without a cookie of ours; undefined when the cookie must be verified. The
 * token is the signed value: the id, and with rotation its validator.
 */
export function knownSession(
  context: RequestContext,
): { token: string; id: string; key: string } | null | undefined {
  const raw = sessionCookieValue(context.sessionToken);
  if (raw === undefined) return null;
  const token = verifyRemembered(context.keyring, context.cookie.name, raw, context.policy.now);
  if (token === undefined) return undefined;
  // Our own signature: an id, or (rotation) an id and a validator.
  const id = token.length === 43 ? token : sessionIdOf(token);
  // A cached key means the id was well-formed when it was remembered.
  const key = id === null ? undefined : context.keys.cached(id);
  return key === undefined ? undefined : { token, id: id!, key };
}

/**
 * `load`, when the store answers in process, no read cache is on, and the
 * cookie is absent or was verified before. Else undefined (the async load
 * does it). Store errors throw.
 */
export function loadInProcess(context: RequestContext, store: SessionStore): LoadResult | undefined {
  if (context.readCache || !isPeekable(store)) return undefined;
  const known = knownSession(context);
  if (known === null) return INVALID;
  if (known === undefined) return undefined;
  const policy = context.policy;
  const record = store[peekRecord](known.key, policy.wallClock ? policy.now : undefined);
  // With rotation the cookie's validator decides (current, in grace, reused).
  return judgeLoaded(context, known.token, known.id, known.key, record);
}

/**
 * `commit`, when the plan is a patch to the loaded session on a store that
 * updates atomically in process, with nothing to delete, no cookie to sign,
 * expire or refresh from a read cache (the rare plans: logout, a cookie not
 * ours). Else undefined. The update is the
 * same atomic one the async commit makes; store errors throw.
 */
export function commitInProcess(
  context: RequestContext,
  store: SessionStore,
  plan: CommitPlan,
): CommitResult | undefined {
  const write = plan.write;
  if (
    context.readCache ||
    !isOwnedUpdatable(store) ||
    plan.remove.length > 0 ||
    plan.removeCookieSession ||
    plan.resend !== undefined ||
    write?.kind !== 'patch' ||
    write.target === undefined ||
    write.patch.rotate !== undefined
  ) {
    return undefined;
  }
  // As the async commit: a session gone meanwhile is not written back (live: null).
  const policy = context.policy;
  const written = store[updateOwned](
    write.target.key,
    write.patch,
    policy.wallClock ? policy.now : undefined,
  );
  return written ? PATCHED : GONE;
}
