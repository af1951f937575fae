/**
 * DBSC challenges: single-use and short-lived (DBSC #server-considerations:
 * "New challenges issued should have a short lifetime. The
 * server should reject signed responses that use a stale challenge").
 *
 * A challenge is 256 random bits; the store keeps a small entry for it,
 * under a key derived from it, that names what it was issued for (a session
 * to register, or a DBSC session to refresh) and dies at the challenge's
 * expiry. Using a challenge is an atomic `update` that ends the entry: of two
 * requests carrying the same challenge at once, only the first finds it live
 * — on every store whose `update` is atomic (Memory, Redis, Durable Objects,
 * D1, PostgreSQL, Deno KV). On Workers KV, whose writes are not atomic, two
 * uses within KV's propagation window (about 60 s, in different locations)
 * can both pass; a later replay is refused everywhere.
 */
import { sha256Base64url } from '../../crypto/digest.ts';
import { isSessionId, newSessionId } from '../id.ts';
import { isLive } from '../record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../types.ts';

/** Domain tag of a challenge entry's key: never the key of a session (SHA-256 of a bare id). */
const KEY_TAG = 'tessera/dbsc/challenge\u0000';
/** The data field of a challenge entry naming what it was issued for. */
const FOR = 'dbsc';

const keyOf = (challenge: string): Promise<string> => sha256Base64url(KEY_TAG + challenge);

/**
 * Issues a challenge for `subject`, valid for `ttlMs` from `now`. Its entry
 * is created a millisecond in the past so that using it (below) can end it
 * at once. Store errors propagate.
 */
export async function issueChallenge(
  store: SessionStore,
  subject: string,
  now: number,
  ttlMs: number,
): Promise<string> {
  const challenge = newSessionId();
  const record: SessionRecord = {
    data: { [FOR]: subject },
    flash: {},
    createdAt: now - 1,
    lastSeenAt: now,
    expiresAt: now + ttlMs,
    idleMs: ttlMs,
    absoluteMs: ttlMs + 1,
  };
  await store.set(await keyOf(challenge), record, record.expiresAt);
  return challenge;
}

/**
 * Uses up `challenge` if it is live and was issued for `subject`: true once,
 * false for an unknown, expired, used or foreign one. Store errors propagate.
 */
export async function takeChallenge(
  store: SessionStore,
  challenge: unknown,
  subject: string,
  now: number,
): Promise<boolean> {
  if (!isSessionId(challenge)) return false; // not one of ours: no store call
  const key = await keyOf(challenge);
  const entry = await store.get(key);
  if (entry === null || entry.data[FOR] !== subject || !isLive(entry, now, ENDED)) return false;
  if (!store.update) {
    await store.delete(key);
    return true;
  }
  // One atomic update gives the entry a lifetime that is already over
  // (min(now, created) + 1 ms, and it was created in the past): a second
  // update, even one racing this one, finds no live entry and reports false.
  return store.update(key, usedUp(now));
}

/** Timeouts for an entry without its own (never the case for ours): already over. */
const ENDED = { idleMs: 0, absoluteMs: 0 };

function usedUp(now: number): SessionPatch {
  // The user field names no data of the entry: it never joins a user's index.
  return { now, idleMs: 1, absoluteMs: 1, persist: { idleMs: 1, absoluteMs: 1 }, userField: 'userId' };
}
