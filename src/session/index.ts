/**
 * The session layer.
 *
 * Request flow — where a `set` goes:
 *
 * 1. `manager.load(request)` (manager.ts) wraps the request in a
 *    `RequestState` (request-state.ts) and returns a `SessionImpl`
 *    (session.ts). Nothing is parsed, verified or read yet.
 * 2. `await session.get(key)` asks the request's backend to load: the
 *    `StoreBackend` (backend/store.ts) verifies the signed id and reads the
 *    store; the `CookieBackend` (backend/cookie.ts) unseals the cookie.
 * 3. `session.set(key, value)` is synchronous: it lands in `PendingWrites`
 *    (pending.ts), which overlays the loaded record for later reads.
 * 4. `manager.commit(session, response)` asks the session for a `CommitPlan`
 *    (contracts.ts): records to delete, and a write — create a record, or a
 *    `SessionPatch` for an existing one. The backend carries it out (a store
 *    with atomic `update` applies the patch itself; others go through
 *    `applyPatch` in record.ts) and returns at most one session Set-Cookie,
 *    which the manager puts on the response with its cache rule.
 */
export {
  createSessionManager,
  type SessionManager,
  type SessionHandler,
  type FetchHandler,
} from './manager.ts';
export type {
  SessionManagerOptions,
  SessionCookieOptions,
  StoreOption,
  SessionMetadata,
} from './options/options.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { CookieStore, type CookieStoreOptions } from './backend/cookie.ts';
export { readCache, type ReadCacheOptions } from './backend/read-cache.ts';
export type { ReadCache, DeviceBoundSessions } from './contracts.ts';
export {
  deviceBoundSessions,
  type DeviceBoundSessionsOptions,
  type DeviceBoundCookieOptions,
} from './dbsc/index.ts';
export type { RotationOptions } from './rotation.ts';
export { csrfToken, verifyCsrf, CSRF_SESSION_KEY, type CsrfOptions, type StoredCsrfToken } from './csrf.ts';
export type { SessionEvent, SessionEventType, SessionHook, SessionHooks } from './lifecycle.ts';
export type {
  Session,
  SessionStore,
  SessionRecord,
  SessionRotation,
  SessionPatch,
  SessionTimeouts,
  SessionTypes,
  SessionInfo,
  SessionLifetime,
  DeviceBinding,
  GetOptions,
  FlashOf,
  EnvOf,
  SessionShape,
  DefaultFlash,
  NumericKeys,
  ArrayKeys,
  ElementOf,
} from './types.ts';
