/**
 * `tesserajs/store`: what a store author needs beside the `SessionStore`
 * interface — the record arithmetic the engine itself uses, so that a store's
 * atomic `update` and its expiry agree with the engine to the millisecond.
 *
 * ```ts
 * import { applyPatch } from 'tesserajs/store';
 * async update(key, patch) {
 *   const next = applyPatch(await this.read(key), patch); // null: missing or dead
 *   if (next === null) return false;
 *   await this.write(key, next, next.expiresAt);
 *   return true;
 * }
 * ```
 * @packageDocumentation
 */
export {
  applyPatch,
  renewRecord,
  isLive,
  expiryOf,
  userIdOf,
  revocationMark,
  END_MARKER_MS,
  DEFAULT_MAX_RECORD_BYTES,
  assertRecordSize,
  recordTooLarge,
  utf8Length,
} from '../session/record.ts';
export type {
  SessionPatch,
  SessionRecord,
  SessionRotation,
  SessionStore,
  SessionTimeouts,
} from '../session/types.ts';
