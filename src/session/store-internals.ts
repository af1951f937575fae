/**
 * Optional fast paths between the engine and a store, outside the public
 * `SessionStore` contract.
 */

/**
 * A store may offer `store[peekRecord](key)`: the stored record itself rather
 * than a copy. The engine only reads a loaded record — reads hand out copies
 * of values, writes go through patches or new records — so for an in-process
 * store this saves a deep copy on every request.
 */
export const peekRecord = Symbol('tesserajs.peekRecord');

/** A store with the read fast path. */
export interface Peekable {
  [peekRecord](key: string): Promise<import('./types.ts').SessionRecord | null>;
}

/** Whether `store` offers the read fast path. */
export function isPeekable(store: object): store is Peekable {
  return peekRecord in store;
}
