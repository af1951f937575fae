/**
 * From what one request did to its session to what commit must do: the
 * record to create or the patch to apply, what to delete, whether the cookie
 * is sent again or expired, and which lifecycle events that makes. Pure: the
 * session hands over its state, nothing here touches a store or a header.
 */
import type { CommitPlan, CookieVerdict, LoadedSession, SessionPolicy } from './contracts.ts';
import { emptyPatch, type PendingWrites } from './pending.ts';
import { applyPatch, emptyRecord, renewRecord, userIdOf } from './record.ts';
import { isRotationDue, newValidator } from './rotation.ts';
import type { SessionPatch, SessionRecord } from './types.ts';

/** Where a new session's id and starting fields come from. */
export interface SessionCreator {
  /** The id a new session gets (reserved by the session, the same on every call). */
  reserveId(): string;
  /** Fields a new session starts with. */
  newSessionFields(): Pick<SessionRecord, 'persistent' | 'meta'>;
}

/** The session's state at commit. */
export interface PlanInput {
  policy: SessionPolicy;
  hasCredential: boolean;
  /** The loaded session (null: none); `undefined` when not read. */
  current: LoadedSession | null | undefined;
  /** The read failed with this error. */
  failure: { error: unknown } | undefined;
  verdict: CookieVerdict | undefined;
  /** Sessions found past their timeouts when read (to delete). */
  expired: LoadedSession[];
  /** With rotation: the session a replaced cookie value named after its grace (to end). */
  reused: LoadedSession | undefined;
  /** The loaded session `destroy()` ended. */
  destroyedSession: LoadedSession | undefined;
  /** `destroy()` ran before the cookie's session was read: the backend finds and deletes it. */
  removeCookieSession: boolean;
  regenerate: boolean;
  destroyed: boolean;
  writes: PendingWrites | undefined;
  /** What a new session gets, asked only when one is created (no closures built per commit). */
  creator: SessionCreator;
}

function patchOf(input: PlanInput): SessionPatch {
  return input.writes ? input.writes.toPatch(input.policy) : emptyPatch(input.policy);
}

const hasWrites = (input: PlanInput): boolean => input.writes !== undefined && !input.writes.empty;

/** The record a new session starts from: empty, with the manager's defaults. */
function freshRecord(input: PlanInput): SessionRecord {
  const fields = input.creator.newSessionFields();
  const record = emptyRecord(input.policy.now, input.policy);
  if (fields.persistent) record.persistent = true;
  if (fields.meta !== undefined) record.meta = fields.meta;
  // With rotation, a new session's cookie carries a validator from the start.
  if (input.policy.rotation) record.rotation = { current: newValidator(), at: input.policy.now };
  return record;
}

/** The data moved to a new id by `regenerate()`: a new lifetime, authenticated now. */
function regeneratedBase(input: PlanInput): SessionRecord {
  const { now } = input.policy;
  const old = input.current?.record;
  return { ...freshRecord(input), ...old, createdAt: now, lastSeenAt: now, authenticatedAt: now };
}

/** Whether the patch names a user (sets or changes the user field): the per-user session cap applies. */
function assignsUser(patch: SessionPatch): boolean {
  const field = patch.userField;
  return (
    (patch.set !== undefined && userIdOf(patch.set, field) !== undefined) ||
    patch.increment?.[field] !== undefined
  );
}

/** The record as commit would leave it, for `info()`: the writes applied to what was loaded, or to a new session. */
export function previewRecord(input: PlanInput): SessionRecord {
  const patch = patchOf(input);
  if (input.regenerate && !input.destroyed) return applyPatch(regeneratedBase(input), patch)!;
  const current = input.destroyed ? null : input.current;
  return (current ? applyPatch(current.record, patch) : null) ?? applyPatch(freshRecord(input), patch)!;
}

/** What commit must do. Throws the read's error when the request wrote without its session loading. */
export function planCommit(input: PlanInput): CommitPlan {
  const { policy } = input;
  const writes = hasWrites(input);
  // The expired list is shared when nothing is added to it (no one appends to a plan's list).
  let remove = input.expired;
  if (input.destroyedSession) remove = [...remove, input.destroyedSession];
  // A reused cookie value ends its whole session, through the normal deletion (end markers, hasEnded).
  if (input.reused) remove = [...remove, input.reused];
  const plan: CommitPlan = {
    remove,
    removeCookieSession: input.removeCookieSession,
    write: undefined,
    resend: undefined,
    clearCookie: false,
    noStore: input.destroyed,
    events: {
      created: false,
      regenerated: undefined,
      destroyed: input.destroyed ? { session: input.destroyedSession } : undefined,
      expired: input.expired,
      userAssigned: false,
      reused: input.reused,
    },
    attached: input.destroyed ? null : input.current,
  };
  if (input.failure) {
    if (writes || input.regenerate) throw input.failure.error;
    return plan;
  }
  const current = input.destroyed ? null : input.current;
  // The patch is built in the branch that writes (a read-only request needs none).
  if (input.regenerate) {
    // A value in grace (rotation) does not carry its session to a new id: a
    // thief within grace would escape with it. It starts a new session, and
    // the holder of the current value keeps the old one.
    const moved = current?.inGrace ? null : current;
    const patch = patchOf(input);
    // The new id starts its own rotation (renewRecord drops the old state).
    if (policy.rotation) patch.rotate = { from: '', to: newValidator(), at: policy.now };
    const id = input.creator.reserveId();
    const fresh = applyPatch(freshRecord(input), patch)!;
    if (moved) {
      // The same data under a new id, with a new lifetime — taken from the
      // record the store holds at commit, so a session ended meanwhile (or
      // known only from a read cache copy) is never carried to a new id.
      plan.write = { kind: 'move', from: moved, id, patch, fresh };
      plan.events.userAssigned = renewRecord(moved.record, patch)?.userId !== undefined;
    } else {
      // A regenerate() with no session before it is a login on a first
      // visit: the new session authenticates now. (A move whose session
      // ended meanwhile starts `fresh` instead: empty, authenticated only if
      // this request's own writes name a user.)
      const record = applyPatch({ ...freshRecord(input), authenticatedAt: policy.now }, patch)!;
      plan.write = { kind: 'create', id, record };
      plan.events.userAssigned = record.userId !== undefined;
    }
    plan.events.regenerated = { from: moved ?? null };
  } else if (current) {
    const due = policy.now - current.record.lastSeenAt >= policy.touchIntervalMs;
    const rotateDue =
      current.rotates === true &&
      policy.rotation !== undefined &&
      isRotationDue(current.record, policy.now, policy.rotation);
    if (writes || due || rotateDue) {
      const patch = patchOf(input);
      // A persistent cookie slides with the session (at most once per
      // touchInterval), and a change of persistence is sent at once. With
      // rotation, the cookie is only ever sent with a new value (the slide
      // waits for the next rotation): every response to requests that
      // carried one value sets the same next value, or nothing, so a slow
      // response cannot put a replaced value back. A request with a replaced
      // value in grace never sets the cookie.
      const slides = current.record.persistent === true && due && policy.rotation === undefined;
      const sends = rotateDue || (patch.persist !== undefined && !current.inGrace) || slides;
      // The backend derives `to` from `from` before writing.
      if (current.rotates && sends)
        patch.rotate = { from: current.record.rotation?.current ?? '', to: '', at: policy.now };
      plan.write = { kind: 'patch', target: current, patch, touchOnly: !writes && !patch.rotate };
      if (sends) plan.resend = applyPatch(current.record, patch) ?? undefined;
      plan.events.userAssigned = assignsUser(patch);
    }
  } else if (writes && (current === null || !input.hasCredential || input.destroyed)) {
    const record = applyPatch(freshRecord(input), patchOf(input))!;
    plan.write = { kind: 'create', id: input.creator.reserveId(), record };
    plan.events.created = true;
    plan.events.userAssigned = record.userId !== undefined;
  } else if (writes) {
    // Written without reading: the backend resolves the cookie (and may
    // patch in place with an atomic update, without a read).
    const patch = patchOf(input);
    plan.write = { kind: 'patch', target: undefined, patch, touchOnly: false };
    plan.events.userAssigned = assignsUser(patch);
  }
  // Expire the cookie only when this request ended the session or the
  // cookie is not ours. A validly signed id whose record is gone is left
  // alone: the browser may already hold a newer cookie (a login in another
  // tab) that a deletion would wipe.
  // A reused value is left alone too: its session is gone, and a concurrent
  // request may already have given the browser a new session's cookie.
  if (plan.write === undefined && input.hasCredential && (input.destroyed || input.verdict === 'invalid')) {
    plan.clearCookie = true;
  }
  return plan;
}

/** A plan with nothing for a backend to do: no write, no deletion, no cookie to send or expire. */
export function isIdle(plan: CommitPlan): boolean {
  return (
    plan.write === undefined &&
    plan.remove.length === 0 &&
    !plan.removeCookieSession &&
    !plan.clearCookie &&
    !plan.noStore
  );
}
