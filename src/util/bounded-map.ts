/**
 * A `Map` that holds at most `capacity` entries and, when full, drops the
 * oldest insertion first (a `Map` iterates in insertion order). Used for the
 * small per-process caches on the request path (verified cookies, store keys,
 * CSRF bindings, KV write times): their inputs come from clients, so none may
 * grow without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;

  constructor(capacity: number) {
    super();
    this.capacity = capacity;
  }

  /** Inserts or replaces `key`; evicts the oldest entry when a new key would exceed the capacity. */
  override set(key: K, value: V): this {
    if (this.capacity <= 0) return this;
    if (this.size >= this.capacity && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
