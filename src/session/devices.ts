/**
 * "Your devices": a user's sessions listed, one revoked, or all but one
 * ("sign out everywhere else"), on stores that index sessions by user; and
 * the per-user cap on concurrent sessions (NIST SP 800-53 AC-10).
 */
import type { SessionInfo, SessionRecord, SessionStore } from './types.ts';

/** Handles are store keys: base64url SHA-256 of the session id. */
const HANDLE = /^[A-Za-z0-9_-]{43}$/;

/** Whether `value` has the shape of a session handle (anything else is treated as unknown). */
export function isHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE.test(value);
}

/** The info of a stored session. */
export function infoOf(handle: string, record: SessionRecord): SessionInfo {
  const info: SessionInfo = {
    handle,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    persistent: record.persistent === true,
  };
  if (record.authenticatedAt !== undefined) info.authenticatedAt = record.authenticatedAt;
  if (record.userId !== undefined) info.userId = record.userId;
  if (record.meta !== undefined) info.meta = { ...record.meta };
  return info;
}

/** The store's user index, or a clear error naming what is missing. */
export function listing(
  store: SessionStore,
  caller: string,
): Required<Pick<SessionStore, 'listByUser' | 'deleteByUser'>> & SessionStore {
  if (typeof store.listByUser !== 'function' || typeof store.deleteByUser !== 'function') {
    throw new TypeError(
      `${caller}: this store does not list sessions by user (it has no listByUser/deleteByUser)`,
    );
  }
  return store as Required<Pick<SessionStore, 'listByUser' | 'deleteByUser'>> & SessionStore;
}

/** The user's live sessions, most recently used first, each with its record. */
export async function liveSessions(
  store: SessionStore,
  userId: string,
  now: number,
  caller: string,
): Promise<{ handle: string; record: SessionRecord }[]> {
  const keys = await listing(store, caller).listByUser(userId);
  const records = await Promise.all(keys.map((key) => store.get(key)));
  const live: { handle: string; record: SessionRecord }[] = [];
  keys.forEach((handle, i) => {
    const record = records[i];
    if (record && record.userId === userId && record.expiresAt > now) live.push({ handle, record });
  });
  return live.sort((a, b) => b.record.lastSeenAt - a.record.lastSeenAt);
}

/**
 * Revokes the user's least recently used sessions beyond `max`, never the
 * one in `keep`; resolves to the handles revoked.
 */
export async function enforceSessionCap(
  store: SessionStore,
  userId: string,
  max: number,
  keep: string | undefined,
  now: number,
): Promise<SessionRevoked[]> {
  const sessions = await liveSessions(store, userId, now, 'createSessionManager: option maxSessionsPerUser');
  const others = sessions.filter((session) => session.handle !== keep);
  const room = keep !== undefined && others.length < sessions.length ? max - 1 : max;
  const excess = others.slice(Math.max(0, room));
  await Promise.all(excess.map((session) => store.delete(session.handle)));
  return excess.map((session) => ({ handle: session.handle, userId }));
}

/** A session a revocation removed. */
export interface SessionRevoked {
  handle: string;
  userId?: string;
}
