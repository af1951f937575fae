/**
 * Workers KV as several locations see it, for tests on Node: one central
 * store, and locations that each see their own writes at once and other
 * locations' writes only `propagationMs` after they were made (KV: "about
 * 60 seconds"). A read with `cacheTtl` may also be answered from the
 * location's cache for that many seconds after it was filled, whatever
 * happened since, as KV's edge cache does. Time is the test's clock (`now`),
 * so a test decides exactly what each location has seen.
 *
 * ```ts
 * const clock = new TestClock();
 * const kv = new MultiLocationKV({ now: clock.now });
 * const [a, b] = [kv.location('a'), kv.location('b')];
 * const storeAt = (loc: KVLocation) => new KVStore(loc, { now: clock.now });
 * clock.advance(kv.propagationMs); // every write so far is visible everywhere
 * ```
 *
 * Each location is its own binding object, so a `KVStore` over it keeps its
 * own isolate state (write queues, rate spacing), as separate isolates do.
 */
import type { KVNamespaceLike } from '../../../src/stores/kv/index.ts';

/**
 * A clock that follows real time (write queues sleep on real timers), jumps
 * when told, and never returns the same instant twice: workerd stops
 * `Date.now()` between I/O, and this fake does none, so without that a
 * session made right after a revocation would share its millisecond.
 */
export class TestClock {
  #offset: number;
  #last = -Infinity;

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#offset = start - Date.now();
  }

  readonly now = (): number => {
    this.#last = Math.max(Date.now() + this.#offset, this.#last + 1);
    return this.#last;
  };

  advance(ms: number): void {
    this.#offset += ms;
    this.#last += ms;
  }
}

/** One write as the central store keeps it: a value, or a deletion (null). */
interface Version {
  value: string | null;
  /** When it was made (test clock), and in which order (ties). */
  at: number;
  seq: number;
  location: string;
  /** When KV drops it (ms), or Infinity. */
  expiresAt: number;
}

interface Cached {
  version: Version | undefined;
  filledAt: number;
}

export interface MultiLocationOptions {
  now: () => number;
  /** How long a write takes to reach other locations, ms. Default 60 000 (KV's "about 60 s"). */
  propagationMs?: number;
  /** Refuse a second write to one key within a second, as KV does (429), per key across locations. */
  enforceWriteRate?: boolean;
}

/** KV's limits, enforced so that a store that breaks them fails here too. */
const MIN_TTL = 60;
const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;

export class MultiLocationKV {
  readonly now: () => number;
  readonly propagationMs: number;
  enforceWriteRate: boolean;
  /** Every write ever made, per key, oldest first. */
  readonly versions = new Map<string, Version[]>();
  readonly #locations = new Map<string, KVLocation>();
  #seq = 0;

  constructor(options: MultiLocationOptions) {
    this.now = options.now;
    this.propagationMs = options.propagationMs ?? 60_000;
    this.enforceWriteRate = options.enforceWriteRate ?? false;
  }

  /** The location named `name` (made on first use). */
  location(name: string): KVLocation {
    let location = this.#locations.get(name);
    if (location === undefined) {
      location = new KVLocation(this, name);
      this.#locations.set(name, location);
    }
    return location;
  }

  /** The value every location will see once writes so far have propagated (null: none). */
  settled(key: string): string | null {
    const latest = this.versions.get(key)?.at(-1);
    return latest === undefined || latest.expiresAt <= this.now() ? null : latest.value;
  }

  /** Keys holding a value once writes so far have propagated. */
  settledKeys(): string[] {
    return [...this.versions.keys()].filter((key) => this.settled(key) !== null).sort();
  }

  /** Records a write made at `location`. */
  write(location: string, key: string, value: string | null, expirationTtl?: number): void {
    if (new TextEncoder().encode(key).length > MAX_KEY_BYTES)
      throw new Error(`KV: key over ${MAX_KEY_BYTES} bytes`);
    if (expirationTtl !== undefined && !(Number.isInteger(expirationTtl) && expirationTtl >= MIN_TTL))
      throw new Error(`KV PUT failed: 400 Invalid expiration_ttl of ${expirationTtl}`);
    if (value !== null && new TextEncoder().encode(value).length > MAX_VALUE_BYTES)
      throw new Error('KV PUT failed: 413 Value too large');
    const at = this.now();
    const list = this.versions.get(key) ?? [];
    if (this.enforceWriteRate) {
      const last = list.at(-1);
      if (last !== undefined && at - last.at < 1000) throw new Error('KV PUT failed: 429 Too Many Requests');
    }
    const expiresAt = expirationTtl === undefined ? Infinity : at + expirationTtl * 1000;
    list.push({ value, at, seq: this.#seq++, location, expiresAt });
    this.versions.set(key, list);
  }

  /** The newest write of `key` that `location` can see at `now`. */
  visible(location: string, key: string, now: number): Version | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const version = list[i]!;
      if (version.location === location || version.at + this.propagationMs <= now) return version;
    }
    return undefined;
  }
}

/** One location's view of the namespace: what a Worker running there gets as its KV binding. */
export class KVLocation implements KVNamespaceLike {
  readonly kv: MultiLocationKV;
  readonly name: string;
  /** Reads and writes made here, as a Worker invocation counts KV operations. */
  operations = 0;
  /** Every read made here, with the cacheTtl it asked for. */
  readonly gets: { key: string; cacheTtl?: number }[] = [];
  readonly #cache = new Map<string, Cached>();

  constructor(kv: MultiLocationKV, name: string) {
    this.kv = kv;
    this.name = name;
  }

  async get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null> {
    this.operations++;
    this.gets.push(options.cacheTtl === undefined ? { key } : { key, cacheTtl: options.cacheTtl });
    const now = this.kv.now();
    let version: Version | undefined;
    const cached = options.cacheTtl === undefined ? undefined : this.#cache.get(key);
    if (cached !== undefined && now < cached.filledAt + options.cacheTtl! * 1000) version = cached.version;
    else {
      version = this.kv.visible(this.name, key, now);
      if (options.cacheTtl !== undefined) this.#cache.set(key, { version, filledAt: now });
    }
    return version === undefined || version.expiresAt <= now ? null : version.value;
  }

  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    this.operations++;
    if (typeof value !== 'string') throw new TypeError('KV: this fake stores text values only');
    this.kv.write(this.name, key, value, options?.expirationTtl);
    this.#cache.delete(key); // a location sees its own writes at once
  }

  async delete(key: string): Promise<void> {
    this.operations++;
    this.kv.write(this.name, key, null);
    this.#cache.delete(key);
  }

  async list(options: { prefix: string; cursor?: string | null; limit?: number }) {
    this.operations++;
    const now = this.kv.now();
    const names = [...this.kv.versions.keys()]
      .filter((key) => key.startsWith(options.prefix))
      .filter((key) => {
        const version = this.kv.visible(this.name, key, now);
        return version !== undefined && version.value !== null && version.expiresAt > now;
      })
      .sort();
    const start = options.cursor ? Number(options.cursor) : 0;
    const end = Math.min(names.length, start + Math.min(options.limit ?? 1000, 1000));
    const keys = names.slice(start, end).map((name) => {
      const expiresAt = this.kv.visible(this.name, name, now)!.expiresAt;
      return Number.isFinite(expiresAt) ? { name, expiration: Math.floor(expiresAt / 1000) } : { name };
    });
    return end < names.length
      ? { keys, list_complete: false, cursor: String(end) }
      : { keys, list_complete: true };
  }

  /** Forgets this location's edge cache (as if its entries had all expired). */
  clearCache(): void {
    this.#cache.clear();
  }
}
