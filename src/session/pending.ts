/**
 * The writes one request made to its session, kept as a patch (so stores with
 * an atomic `update` can apply them without a read) and overlaid on the
 * stored record for reads within the same request. Values in here are
 * private copies; reads hand out copies again.
 */
import type { SessionPolicy } from './contracts.ts';
import { cloneJson, define, jsonEqual } from './json.ts';
import type { SessionPatch, SessionRecord } from './types.ts';

/** The patch of a request that wrote nothing: it only moves the timestamps. */
export function emptyPatch(policy: SessionPolicy): SessionPatch {
  return {
    now: policy.now,
    idleMs: policy.idleMs,
    absoluteMs: policy.absoluteMs,
    userField: policy.userField,
  };
}

function addTo(value: unknown, by: number | undefined): unknown {
  return by === undefined ? value : (typeof value === 'number' && Number.isFinite(value) ? value : 0) + by;
}

const without = (list: unknown[], value: unknown): unknown[] =>
  list.filter((item) => !jsonEqual(item, value));

// Read-only stand-ins for collections a request never wrote to: most requests
// write one or two kinds of thing, and nothing is allocated for the others.
const NO_VALUES: ReadonlyMap<string, unknown> = new Map<string, unknown>();
const NO_KEYS: ReadonlySet<string> = new Set();

export class PendingWrites {
  #set: Map<string, unknown> | undefined;
  #unset: Set<string> | undefined;
  #increment: Map<string, number> | undefined;
  #pull: Map<string, unknown[]> | undefined;
  #push: Map<string, unknown[]> | undefined;
  #flash: Map<string, unknown> | undefined;
  /** Stored flash values this request read, by key. */
  #consumed: Map<string, unknown> | undefined;
  /** `persist()`: the session's new persistence, if it changed. */
  persist: SessionPatch['persist'];

  get #sets(): ReadonlyMap<string, unknown> {
    return this.#set ?? NO_VALUES;
  }

  get empty(): boolean {
    return (
      this.persist === undefined &&
      !this.#set?.size &&
      !this.#unset?.size &&
      !this.#increment?.size &&
      !this.#pull?.size &&
      !this.#push?.size &&
      !this.#flash?.size &&
      !this.#consumed?.size
    );
  }

  /** A data value as this request sees it: the record with the writes applied, in `applyPatch`'s order. */
  dataValue(record: SessionRecord | undefined, key: string): unknown {
    let value: unknown;
    if (this.#sets.has(key)) value = this.#sets.get(key);
    else if (!(this.#unset ?? NO_KEYS).has(key) && record && Object.hasOwn(record.data, key)) {
      value = record.data[key];
    }
    value = addTo(value, this.#increment?.get(key));
    const pulled = this.#pull?.get(key);
    if (pulled && Array.isArray(value))
      value = value.filter((item) => !pulled.some((p) => jsonEqual(item, p)));
    const pushed = this.#push?.get(key);
    if (pushed) value = [...(Array.isArray(value) ? value : []), ...pushed];
    return cloneJson(value);
  }

  /** Whether `key` is an unread flash value (set now, or stored and neither read nor unset). */
  hasFlash(record: SessionRecord | undefined, key: string): boolean {
    if (this.#flash?.has(key)) return true;
    return (
      record !== undefined &&
      Object.hasOwn(record.flash, key) &&
      !this.#consumed?.has(key) &&
      !this.#unset?.has(key)
    );
  }

  /** Reads a flash value and marks it consumed. Only call when `hasFlash`. */
  takeFlash(record: SessionRecord | undefined, key: string): unknown {
    if (this.#flash?.has(key)) {
      const value = this.#flash.get(key);
      this.#flash.delete(key);
      return cloneJson(value);
    }
    const value = record!.flash[key];
    (this.#consumed ??= new Map()).set(key, value);
    return cloneJson(value);
  }

  setFlash(key: string, value: unknown): void {
    (this.#flash ??= new Map()).set(key, value);
  }

  setValue(key: string, value: unknown): void {
    (this.#set ??= new Map()).set(key, value);
    this.#unset?.delete(key);
    this.#increment?.delete(key);
    this.#pull?.delete(key);
    this.#push?.delete(key);
  }

  unsetKey(key: string): void {
    this.#set?.delete(key);
    this.#increment?.delete(key);
    this.#pull?.delete(key);
    this.#push?.delete(key);
    this.#flash?.delete(key);
    this.#consumed?.delete(key);
    (this.#unset ??= new Set()).add(key);
  }

  add(key: string, by: number): void {
    const increments = (this.#increment ??= new Map());
    increments.set(key, (increments.get(key) ?? 0) + by);
  }

  pushValue(key: string, value: unknown): void {
    // After a `set` of the same key the result is known here: fold it in.
    if (this.#set?.has(key)) {
      const current = this.#set.get(key);
      this.#set.set(key, [...(Array.isArray(current) ? current : []), value]);
      return;
    }
    const pushes = (this.#push ??= new Map());
    const list = pushes.get(key);
    if (list === undefined) pushes.set(key, [value]);
    else list.push(value);
  }

  pullValue(key: string, value: unknown): void {
    if (this.#set?.has(key)) {
      const current = this.#set.get(key);
      if (Array.isArray(current)) this.#set.set(key, without(current, value));
      return;
    }
    // Pulls apply before pushes: drop the equal values this request pushed, then pull the stored ones.
    const pushed = this.#push?.get(key);
    if (pushed !== undefined) {
      const kept = without(pushed, value);
      if (kept.length > 0) this.#push!.set(key, kept);
      else this.#push!.delete(key);
    }
    const pulls = (this.#pull ??= new Map());
    const list = pulls.get(key);
    if (list === undefined) pulls.set(key, [value]);
    else if (!list.some((item: unknown) => jsonEqual(item, value))) list.push(value);
  }

  /** The patch for these writes under the request's policy. */
  toPatch(policy: SessionPolicy): SessionPatch {
    const patch = emptyPatch(policy);
    if (this.#set?.size) patch.set = toObject(this.#set);
    if (this.#unset?.size) patch.unset = [...this.#unset];
    if (this.#increment?.size) patch.increment = toObject(this.#increment);
    if (this.#pull?.size) patch.pull = toObject(this.#pull);
    if (this.#push?.size) patch.push = toObject(this.#push);
    if (this.#flash?.size) patch.flash = toObject(this.#flash);
    if (this.#consumed?.size) patch.consumed = toObject(this.#consumed);
    if (this.persist !== undefined) patch.persist = this.persist;
    return patch;
  }
}

/** A plain object of a map's entries ("__proto__" included as an own key). */
function toObject<V>(map: Map<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [key, value] of map) define(out, key, value);
  return out;
}
