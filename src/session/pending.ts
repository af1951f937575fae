/**
 * The writes one request made to its session, kept as a patch (so stores with
 * an atomic `update` can apply them without a read) and overlaid on the
 * stored record for reads within the same request.
 */
import type { SessionPolicy } from './contracts.ts';
import { put } from './record.ts';
import type { SessionPatch, SessionRecord } from './types.ts';

/** The patch of a request that wrote nothing: it only moves the timestamps. */
export function emptyPatch(policy: SessionPolicy): SessionPatch {
  return { now: policy.now, idleMs: policy.idleMs, absoluteMs: policy.absoluteMs, userField: policy.userField };
}

function addTo(value: unknown, by: number | undefined): unknown {
  return by === undefined ? value : (typeof value === 'number' && Number.isFinite(value) ? value : 0) + by;
}

export class PendingWrites {
  readonly set = new Map<string, unknown>();
  readonly unset = new Set<string>();
  readonly increment = new Map<string, number>();
  readonly flash = new Map<string, unknown>();
  readonly consumed = new Set<string>();

  get empty(): boolean {
    return this.set.size + this.unset.size + this.increment.size + this.flash.size + this.consumed.size === 0;
  }

  /** A data value as this request sees it: the record with the writes applied. */
  dataValue(record: SessionRecord | undefined, key: string): unknown {
    const by = this.increment.get(key);
    if (this.unset.has(key)) return by;
    if (this.set.has(key)) return addTo(this.set.get(key), by);
    return addTo(record && Object.hasOwn(record.data, key) ? record.data[key] : undefined, by);
  }

  /** Whether `key` is an unread flash value (set now, or stored and not yet consumed). */
  hasFlash(record: SessionRecord | undefined, key: string): boolean {
    return this.flash.has(key) || (record !== undefined && Object.hasOwn(record.flash, key) && !this.consumed.has(key));
  }

  /** Reads a flash value and marks it consumed. Only call when `hasFlash`. */
  takeFlash(record: SessionRecord | undefined, key: string): unknown {
    if (this.flash.has(key)) {
      const value = this.flash.get(key);
      this.flash.delete(key);
      return value;
    }
    this.consumed.add(key);
    return record!.flash[key];
  }

  setValue(key: string, value: unknown): void {
    this.set.set(key, value);
    this.unset.delete(key);
    this.increment.delete(key);
  }

  unsetKey(key: string): void {
    this.set.delete(key);
    this.increment.delete(key);
    this.unset.add(key);
    this.flash.delete(key);
    this.consumed.add(key);
  }

  add(key: string, by: number): void {
    this.increment.set(key, (this.increment.get(key) ?? 0) + by);
  }

  /** The patch for these writes under the request's policy. */
  toPatch(policy: SessionPolicy): SessionPatch {
    const patch = emptyPatch(policy);
    if (this.set.size > 0) patch.set = toObject(this.set);
    if (this.unset.size > 0) patch.unset = [...this.unset];
    if (this.increment.size > 0) patch.increment = toObject(this.increment);
    if (this.flash.size > 0) patch.flash = toObject(this.flash);
    if (this.consumed.size > 0) patch.consumed = [...this.consumed];
    return patch;
  }
}

/** A plain object of a map's entries ("__proto__" included as an own key). */
function toObject<V>(map: Map<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [key, value] of map) put(out, key, value);
  return out;
}
