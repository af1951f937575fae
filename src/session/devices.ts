/**
 * "Your devices": a user's sessions listed, one revoked, or all but one
 * ("sign out everywhere else"), on stores that index sessions by user — the
 * manager's `listSessions`, `revokeSession` and `revokeUserSessions` — and
 * the per-user cap on concurrent sessions (NIST SP 800-53 AC-10).
 */
import { isHandle } from './id.ts';
import { infoOf } from './record.ts';
import type { Session, SessionInfo, SessionRecord, SessionStore } from './types.ts';

/**
 * How a call outside a request finds its store: `env` for a store function of
 * Worker bindings, `request` if the function reads the request; or the
 * request's own session as `current`.
 */
export interface StoreCallOptions<Env> {
  env?: Env;
  request?: Request;
  /** The session of the request making the call: its store is used, and in lists it is marked `current`. */
  current?: Session<any, any>;
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

/** Options of `manager.revokeSession`. */
export interface RevokeSessionOptions<Env> extends StoreCallOptions<Env> {
  /** Revoke only if the session belongs to this user. */
  userId?: string;
  /**
   * With `current` and no `userId`, the session is revoked only if it belongs
   * to `current`'s user; `anyUser: true` lifts that (an admin revoking
   * another user's session). Default false.
   */
  anyUser?: boolean;
}

/** What the device calls need from their manager. */
export interface DeviceDeps<Env> {
  now: () => number;
  /** Whether a `revoked` hook listens (revokeUserSessions then lists what it revokes). */
  hearsRevocations: boolean;
  /** Reports revoked sessions to the lifecycle hooks. */
  revoked(handles: string[], userId: string | undefined, request: Request | undefined): Promise<void>;
  /** The store for a call outside the commit path; throws for sessions kept in cookies. */
  storeFor(options: StoreCallOptions<Env>, caller: string): SessionStore;
}

/** The manager's device calls. */
export function deviceCalls<Env>({ now, hearsRevocations, revoked, storeFor }: DeviceDeps<Env>) {
  return {
    async listSessions(userId: string, options: StoreCallOptions<Env> = {}): Promise<SessionInfo[]> {
      const store = storeFor(options, 'listSessions');
      const current = options.current?.handle;
      const sessions = await liveSessions(store, userId, now(), 'listSessions');
      return sessions.map(({ handle, record }) => {
        const info = infoOf(handle, record);
        if (current !== undefined) info.current = handle === current;
        return info;
      });
    },

    async revokeSession(handle: string, options: RevokeSessionOptions<Env> = {}): Promise<boolean> {
      if (!isHandle(handle)) return false; // a handle from a client is untrusted input
      const store = storeFor(options, 'revokeSession');
      // A handle from a form revokes only the signed-in user's own sessions
      // (OWASP: authorize every object reference); across users only when asked.
      let userId = options.userId;
      if (userId === undefined && options.current !== undefined && options.anyUser !== true) {
        userId = (await options.current.info()).userId;
        if (userId === undefined) return false;
      }
      const record = await store.get(handle);
      if (record === null || (userId !== undefined && record.userId !== userId)) return false;
      await store.delete(handle);
      await revoked([handle], record.userId, options.request);
      return true;
    },

    async revokeUserSessions(
      userId: string,
      options: StoreCallOptions<Env> & { except?: string } = {},
    ): Promise<number> {
      const store = listing(storeFor(options, 'revokeUserSessions'), 'revokeUserSessions');
      const except = isHandle(options.except) ? options.except : undefined;
      // Listed first only to tell the hook which sessions went.
      const handles = hearsRevocations
        ? (await store.listByUser(userId)).filter((key) => key !== except)
        : [];
      const count = await store.deleteByUser(userId, except === undefined ? {} : { except });
      await revoked(handles, userId, options.request);
      return count;
    },
  };
}
