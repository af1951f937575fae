/**
 * A React Router session's data and Tessera's record, both ways. React Router
 * keeps flash values in its data as `__flash_<key>__`; Tessera keeps them in
 * `record.flash`, where reading one removes only the value that was read.
 * Commit turns what the app changed into a `SessionPatch`, so concurrent
 * requests that change different keys keep each other's writes.
 */
import { checkKey, cloneJson, copyJson, define, jsonEqual } from '../session/json.ts';
import type { SessionPatch, SessionRecord } from '../session/types.ts';

/** Session data as React Router holds it: data keys, and flash keys spelled `__flash_<key>__`. */
export type RouterData = Record<string, unknown>;

const FLASH_KEY = /^__flash_([\s\S]*)__$/;

const flashKey = (key: string): string => `__flash_${key}__`;

/** The data a React Router session starts from (copies: the app may mutate what it reads). */
export function routerDataOf(record: SessionRecord | undefined): RouterData {
  const data: RouterData = {};
  if (record === undefined) return data;
  for (const key of Object.keys(record.data)) define(data, key, cloneJson(record.data[key]));
  for (const key of Object.keys(record.flash)) define(data, flashKey(key), cloneJson(record.flash[key]));
  return data;
}

/** A value that counts as present (React Router's `set(key, undefined)` leaves the key, JSON drops it). */
const present = (data: RouterData, key: string): boolean =>
  Object.hasOwn(data, key) && data[key] !== undefined;

/**
 * The patch from `before` (what the store holds, as far as this session
 * knows) to `after` (the session's data now). Values must be plain JSON and
 * keys storable, as with Tessera's own `session.set`: a `TypeError` otherwise.
 * `base` is the request's time, timeouts and user field.
 */
export function patchBetween(
  before: RouterData,
  after: RouterData,
  base: Pick<SessionPatch, 'now' | 'idleMs' | 'absoluteMs' | 'userField'>,
): SessionPatch {
  const patch: SessionPatch = { ...base };
  const set: Record<string, unknown> = {};
  const flash: Record<string, unknown> = {};
  const consumed: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const key of Object.keys(after)) {
    if (!present(after, key)) continue;
    const flashOf = FLASH_KEY.exec(key)?.[1];
    const name = flashOf ?? key;
    checkKey(flashOf === undefined ? 'set' : 'flash', name);
    const value = copyJson(after[key], flashOf === undefined ? 'session.set' : 'session.flash', name);
    if (present(before, key) && jsonEqual(before[key], value)) continue;
    define(flashOf === undefined ? set : flash, name, value);
  }
  for (const key of Object.keys(before)) {
    if (!present(before, key) || present(after, key)) continue;
    const flashOf = FLASH_KEY.exec(key)?.[1];
    // A flash value that was read goes only while it is still the one read.
    if (flashOf !== undefined) define(consumed, flashOf, before[key]);
    else {
      unset.push(key);
      // `unset` clears a flash of the same name too: keep an unread one.
      if (present(after, flashKey(key))) define(flash, key, copyJson(after[flashKey(key)], 'flash'));
    }
  }
  if (Object.keys(set).length > 0) patch.set = set;
  if (unset.length > 0) patch.unset = unset;
  if (Object.keys(flash).length > 0) patch.flash = flash;
  if (Object.keys(consumed).length > 0) patch.consumed = consumed;
  return patch;
}

/** A copy of the data's present values: what the store holds once it is committed. */
export function snapshotOf(data: RouterData): RouterData {
  const copy: RouterData = {};
  for (const key of Object.keys(data)) if (present(data, key)) define(copy, key, cloneJson(data[key]));
  return copy;
}

/** Whether a patch changes anything beyond the timestamps. */
export function changes(patch: SessionPatch): boolean {
  return (
    patch.set !== undefined ||
    patch.unset !== undefined ||
    patch.flash !== undefined ||
    patch.consumed !== undefined
  );
}
