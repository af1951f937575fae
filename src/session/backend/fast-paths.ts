/**
 * Optional fast paths between the engine and a store, outside the public
 * `SessionStore` contract, and how the engine finds a store's backend
 * without importing the cookie backend's code into apps that do not use it.
 */
import type { RequestContext, SessionBackend } from '../contracts.ts';
import type { SessionPatch, SessionRecord } from '../types.ts';

/**
 * A store may offer `store[peekRecord](key)`: the stored record itself rather
 * than a copy, answered synchronously. The engine only reads a loaded record
 * — reads hand out copies of values, writes go through patches or new
 * records — so for an in-process store this saves a deep copy on every
 * request, and the answer being at hand saves the promise hops of a load.
 */
export const peekRecord = Symbol('tesserajs.peekRecord');

/**
 * A store with the read fast path. Both fast paths may be given `now`, a
 * `Date.now()` reading the engine took for this request: a store whose own
 * clock is `Date.now` may use it instead of reading the clock again.
 */
export interface Peekable {
  [peekRecord](key: string, now?: number): SessionRecord | null;
}

/** Whether `store` offers the read fast path. */
export function isPeekable(store: object): store is Peekable {
  return peekRecord in store;
}

/**
 * A store may offer `store[updateOwned](key, patch)`: `update` for a patch
 * whose values the engine hands over — copies it made when the app wrote
 * them, which it never changes afterwards — so an in-process store can keep
 * them without copying the patch again. Synchronous, and atomic as `update`
 * is: it runs to completion before anything else in the process.
 */
export const updateOwned = Symbol('tesserajs.updateOwned');

/** A store with the owned-patch fast path. */
export interface OwnedUpdatable {
  [updateOwned](key: string, patch: SessionPatch, now?: number): boolean;
}

/** Whether `store` offers the owned-patch fast path. */
export function isOwnedUpdatable(store: object): store is OwnedUpdatable {
  return updateOwned in store;
}
