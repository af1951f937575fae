/**
 * What every KVStore over one binding shares in an isolate: apps often build
 * the store per request, and KV's limits (one write per key per second) are
 * per key, not per store object.
 */
import type { SessionPatch } from '../../session/types.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import type { KVNamespaceLike } from './namespace.ts';
import type { WriteQueue } from './queue.ts';

export interface BindingState {
  /** Last write time per KV key. */
  lastWrite: BoundedMap<string, number>;
  /** The `lastSeenAt` this isolate last wrote per last-seen key. */
  lastSeen: BoundedMap<string, number>;
  /** Deletions per KV key, counted, so a write in flight can tell one happened. */
  deletions: BoundedMap<string, number>;
  /** Pending patches per KV key; a result is an Error for a patch refused on its own (too large). */
  queues: Map<string, WriteQueue<SessionPatch, boolean | Error>>;
  /** The longest absolute timeout (ms) the engine's patches have carried: how long a new record may live. */
  absoluteMs: number | undefined;
}

const bindings = new WeakMap<KVNamespaceLike, BindingState>();
const MAX_REMEMBERED = 10_000;

export function stateOf(kv: KVNamespaceLike): BindingState {
  let state = bindings.get(kv);
  if (state === undefined) {
    state = {
      lastWrite: new BoundedMap(MAX_REMEMBERED),
      lastSeen: new BoundedMap(MAX_REMEMBERED),
      deletions: new BoundedMap(MAX_REMEMBERED),
      queues: new Map(),
      absoluteMs: undefined,
    };
    bindings.set(kv, state);
  }
  return state;
}

/** Remembers the manager's absolute timeout a patch carries. */
export function learnAbsolute(state: BindingState, patch: SessionPatch): void {
  if (Number.isFinite(patch.absoluteMs) && !(patch.absoluteMs <= (state.absoluteMs ?? 0)))
    state.absoluteMs = patch.absoluteMs;
}
