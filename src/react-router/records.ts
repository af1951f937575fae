/**
 * The React Router storage's side of the store, on the same primitives every
 * Tessera store and the engine share — signed ids (`crypto/sign.ts`), store
 * keys that are SHA-256 of the id (`StoreKeys`), the record arithmetic of
 * `record.ts` — and not on the engine's request plumbing, which React Router
 * (a Cookie header in, a Set-Cookie value out) does not fit.
 */
import { getRawCookie } from '../cookie/canonical.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { newSessionId, sessionIdOf, validatorOf, verifiedToken, type StoreKeys } from '../session/id.ts';
import { applyPatch, isLive, renewRecord } from '../session/record.ts';
import { judge, type RotationPolicy } from '../session/rotation.ts';
import type { SessionPatch, SessionRecord, SessionStore, SessionTimeouts } from '../session/types.ts';

/** A stored session: its id, store key (SHA-256 of the id, the handle) and record. */
export interface StoredSession {
  id: string;
  key: string;
  record: SessionRecord;
  /** With rotation: the cookie carried the value the last rotation replaced, within grace. */
  inGrace?: true;
}

/** What one request's storage calls work with. */
export interface RecordContext {
  store: SessionStore;
  keyring: Keyring;
  keys: StoreKeys;
  /** The session cookie's name (signed ids are bound to it). */
  name: string;
  /** The request time, ms since the epoch. */
  now: number;
  timeouts: SessionTimeouts;
  /** Id rotation, when on. */
  rotation: RotationPolicy | undefined;
}

/**
 * What the cookie header's session cookie names: `found` when the cookie is
 * ours and its record is live, `expired` when its record is past its
 * timeouts (to delete), neither for no, a forged or a tampered cookie — those
 * cost no store call. Store errors propagate.
 */
export async function readSession(
  context: RecordContext,
  cookieHeader: string | null | undefined,
): Promise<{ found: StoredSession | null; expired: StoredSession | null; reused?: StoredSession }> {
  const none = { found: null, expired: null };
  // Checked exactly as sent: a percent-encoded copy is another, invalid credential.
  const { keyring, name, now } = context;
  const token = await verifiedToken(keyring, name, getRawCookie(cookieHeader, name), now);
  const id = token === null ? null : sessionIdOf(token);
  if (id === null) return none;
  const key = await context.keys.of(id);
  const record = await context.store.get(key);
  if (record === null) return none;
  const session: StoredSession = { id, key, record };
  if (!isLive(record, now, context.timeouts)) return { found: null, expired: session };
  if (context.rotation === undefined) return { found: session, expired: null };
  // Id rotation: a replaced value past grace ends the whole session (rotation.ts).
  const verdict = judge(record, validatorOf(token!), now, context.rotation);
  if (verdict === 'reuse') {
    await context.store.delete(key);
    return { found: null, expired: null, reused: session };
  }
  if (verdict === 'grace') session.inGrace = true;
  return { found: session, expired: null };
}

/**
 * Applies `patch` to a stored session, atomically where the store can; for
 * the others the record is read again right before the write. Null when the
 * session is gone (logged out or revoked meanwhile): nothing is written back.
 */
export async function patchSession(
  context: RecordContext,
  target: StoredSession,
  patch: SessionPatch,
  touchOnly: boolean,
): Promise<StoredSession | null> {
  const { store } = context;
  if (store.update) {
    if (!(await store.update(target.key, patch))) return null;
    // An atomic update does not read back: the record is what the patch made of it.
    return { id: target.id, key: target.key, record: applyPatch(target.record, patch) ?? target.record };
  }
  const next = applyPatch(await store.get(target.key), patch);
  if (next === null) return null;
  if (touchOnly && store.touch) await store.touch(target.key, next, next.expiresAt);
  else await store.set(target.key, next, next.expiresAt);
  return { id: target.id, key: target.key, record: next };
}

/**
 * Stores `record` under a new id, then deletes `remove` — in that order, so a
 * failed write leaves the session the request came with intact.
 */
export async function createSession(
  context: RecordContext,
  record: SessionRecord,
  remove: StoredSession[],
): Promise<StoredSession> {
  const id = newSessionId();
  const key = await context.keys.of(id);
  await context.store.set(key, record, record.expiresAt);
  await deleteSessions(context, remove);
  return { id, key, record };
}

/**
 * Moves a stored session to a new id (a login renews the id): only if the
 * store still holds it live now — atomically where the store can (`move`),
 * else read again right before the write. A session ended meanwhile (logged
 * out or revoked since `getSession`) is not carried over: `fresh` is stored
 * under the new id instead. `expired` sessions are deleted after the write.
 */
export async function moveSession(
  context: RecordContext,
  current: StoredSession,
  patch: SessionPatch,
  fresh: SessionRecord,
  expired: StoredSession[],
): Promise<StoredSession> {
  const { store } = context;
  const id = newSessionId();
  const key = await context.keys.of(id);
  if (store.move) {
    if (await store.move(current.key, key, patch)) {
      await deleteSessions(context, expired);
      return { id, key, record: renewRecord(current.record, patch) ?? fresh };
    }
  } else {
    const record = renewRecord(await store.get(current.key), patch);
    if (record !== null) {
      await store.set(key, record, record.expiresAt);
      await deleteSessions(context, [...expired, current]);
      return { id, key, record };
    }
  }
  return createSession(context, fresh, expired);
}

/** Deletes stored sessions (no error for one already gone). */
export async function deleteSessions(context: RecordContext, sessions: StoredSession[]): Promise<void> {
  await Promise.all(sessions.map((session) => context.store.delete(session.key)));
}
