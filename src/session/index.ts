export { createSessionManager, type SessionManager, type SessionHandler } from './manager.ts';
export type { SessionManagerOptions, SessionCookieOptions, StoreOption } from './options.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { CookieStore, type CookieStoreOptions } from './cookie-store.ts';
export { applyPatch, isLive, expiryOf, userIdOf } from './record.ts';
export type {
  Session,
  SessionStore,
  SessionRecord,
  SessionPatch,
  SessionShape,
  DefaultFlash,
  NumericKeys,
  JsonValue,
} from './types.ts';
