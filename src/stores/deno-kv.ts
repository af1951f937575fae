/**
 * `DenoKVStore`: sessions in Deno KV (`Deno.openKv()`, local or on Deno
 * Deploy).
 *
 * Each session is one entry that Deno KV expires with the session
 * (`expireIn`). Each session of a user also has an index entry under a hash
 * of the user id; both are written in one atomic operation, so the index
 * always matches the sessions and revoking a user misses none. Writes read
 * the entry and commit with a versionstamp check, retried with backoff when a
 * concurrent write got there first — so `update` is atomic. Writes to one
 * session through one store instance also wait for each other, so requests
 * in the same isolate do not spend round trips conflicting.
 *
 * A record must fit in one Deno KV value: 64 KiB serialized.
 */
import { checkOptionNames } from '../util/options.ts';
import { utf8 } from '../crypto/bytes.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import { applyPatch } from '../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../session/types.ts';
import { backoff } from '../util/backoff.ts';
import { parseJson } from '../util/parse-json.ts';

/** A Deno KV key part this store writes (Deno's `KvKeyPart` minus symbols). */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean;
/** A Deno KV key. */
export type DenoKvKey = readonly DenoKvKeyPart[];

/** The part of `Deno.AtomicOperation` the store uses. */
export interface DenoKvAtomicLike {
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike;
  delete(key: DenoKvKey): DenoKvAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/** The part of `Deno.Kv` the store uses; a `Deno.Kv` fits without Deno's types. */
export interface DenoKvLike {
  get<T = unknown>(
    key: DenoKvKey,
    options?: { consistency?: 'strong' | 'eventual' },
  ): Promise<{ value: T | null; versionstamp: string | null }>;
  list<T = unknown>(
    selector: { prefix: DenoKvKey },
    options?: { consistency?: 'strong' | 'eventual' },
  ): AsyncIterable<{ key: readonly unknown[]; value: T; versionstamp: string }>;
  atomic(): DenoKvAtomicLike;
}

/** Options for {@link DenoKVStore}. */
export interface DenoKVStoreOptions {
  /** First parts of every key this store writes (a string is one part). Default `['sessions']`. */
  keyPrefix?: DenoKvKey | string;
  /** @deprecated Renamed `keyPrefix`; accepted, with a warning, until the next minor release. */
  prefix?: DenoKvKey | string;
  /** Tries of a write whose versionstamp check fails before it throws. Default 10. */
  attempts?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/** What one session entry holds. */
interface Stored {
  /** The record as JSON: every store hands out the same JSON-shaped copies. */
  record: string;
  expiresAt: number;
  /** Hash of the record's user id, naming its index entry. */
  user?: string;
}

/** Deno KV's key limit, serialized. */
const MAX_KEY_BYTES = 2048;
/** What the store appends to the prefix at most: a tag, a user hash and a session key, encoded. */
const SUFFIX_BYTES = 128;
/** Longest backoff between attempts, in ms. */
const MAX_BACKOFF = 1000;

/**
 * Upper bound of a key part's serialized size: a tag, the bytes with each
 * zero byte escaped, a terminator (Deno KV's tuple encoding).
 */
function partBytes(part: unknown): number {
  if (typeof part === 'string') return 2 + 2 * utf8(part).length;
  if (part instanceof Uint8Array) return 2 + 2 * part.length;
  if (typeof part === 'number' || typeof part === 'boolean') return 9;
  if (typeof part === 'bigint') return 2 + 2 * Math.ceil(part.toString(16).length / 2);
  return Number.NaN;
}

function checkPrefix(prefix: unknown, spelled: string): DenoKvKey {
  const parts = typeof prefix === 'string' ? [prefix] : prefix;
  const size = Array.isArray(parts)
    ? parts.reduce((sum: number, part) => sum + partBytes(part), 0)
    : Number.NaN;
  if (!(size + SUFFIX_BYTES <= MAX_KEY_BYTES)) {
    throw new TypeError(
      `DenoKVStore: option ${spelled} must be a string or an array of Deno KV key parts, short enough for 2048-byte keys`,
    );
  }
  return Object.freeze([...(parts as DenoKvKeyPart[])]);
}

/**
 * Session store on Deno KV: `new DenoKVStore(await Deno.openKv())`.
 * Reads are strongly consistent.
 */
export class DenoKVStore implements SessionStore {
  readonly #kv: DenoKvLike;
  readonly #prefix: DenoKvKey;
  readonly #attempts: number;
  readonly #now: () => number;
  /** The last queued write per session key, while any is in flight. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(kv: DenoKvLike, options: DenoKVStoreOptions = {}) {
    if (
      kv === null ||
      typeof kv !== 'object' ||
      typeof kv.atomic !== 'function' ||
      typeof kv.get !== 'function'
    ) {
      throw new TypeError('DenoKVStore: the first argument must be a Deno.Kv (from Deno.openKv())');
    }
    const spelled = options.prefix === undefined ? 'keyPrefix' : 'prefix';
    options = checkOptionNames('DenoKVStore', options, ['keyPrefix', 'attempts', 'now'], {
      prefix: 'keyPrefix',
    });
    this.#prefix = checkPrefix(options.keyPrefix ?? ['sessions'], spelled);
    const attempts = options.attempts ?? 10;
    if (!Number.isInteger(attempts) || attempts < 1)
      throw new TypeError('DenoKVStore: option attempts must be a positive whole number');
    this.#kv = kv;
    this.#attempts = attempts;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const stored = this.#live((await this.#kv.get<Stored>(this.#sessionKey(key))).value, this.#now());
    return stored === null ? null : (parseJson(stored.record) as SessionRecord);
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const user = record.userId === undefined ? undefined : await hashUser(record.userId);
    const next = stored(JSON.stringify(record), expiresAt, user);
    await this.#transact(key, () => ({ next, result: undefined }));
  }

  /** Rewrites the live entry with new timestamps (Deno KV has no partial writes) and a new `expireIn`. */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    await this.#transact(key, (current) => {
      const live = this.#live(current, this.#now());
      if (live === null) return { result: undefined };
      const json = JSON.stringify({
        ...(parseJson(live.record) as SessionRecord),
        lastSeenAt: record.lastSeenAt,
        expiresAt,
      });
      return { next: stored(json, expiresAt, live.user), result: undefined };
    });
  }

  /** Applies `patch` with {@link applyPatch} under a versionstamp check; false, writing nothing, when there is no live entry. */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    return this.#transact(key, async (current) => {
      const live = this.#live(current, patch.now);
      const next = live === null ? null : applyPatch(parseJson(live.record) as SessionRecord, patch);
      if (next === null) return { result: false };
      const user = next.userId === undefined ? undefined : await hashUser(next.userId);
      return { next: stored(JSON.stringify(next), next.expiresAt, user), result: true };
    });
  }

  async delete(key: string): Promise<void> {
    await this.#transact(key, (current) =>
      current === null ? { result: undefined } : { next: null, result: undefined },
    );
  }

  /** Keys of the user's live sessions, from the index alone. */
  async listByUser(userId: string): Promise<string[]> {
    const now = this.#now();
    const keys: string[] = [];
    for await (const entry of this.#kv.list<number>({ prefix: this.#userPrefix(await hashUser(userId)) })) {
      if (entry.value > now) keys.push(entry.key[entry.key.length - 1] as string);
    }
    return keys;
  }

  /**
   * Deletes every session of the user; resolves to how many were live. Each
   * deletion checks the index entry it listed, so a session that changed
   * hands meanwhile is left to its new user.
   */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const prefix = this.#userPrefix(await hashUser(userId));
    const now = this.#now();
    const listed: { key: string; expiresAt: number; versionstamp: string }[] = [];
    for await (const entry of this.#kv.list<number>({ prefix })) {
      if (entry.key[entry.key.length - 1] === options.except) continue;
      listed.push({
        key: entry.key[entry.key.length - 1] as string,
        expiresAt: entry.value,
        versionstamp: entry.versionstamp,
      });
    }
    const deleted = await Promise.all(
      listed.map((entry) => this.#queued(entry.key, () => this.#revoke(prefix, entry, now))),
    );
    return deleted.filter(Boolean).length;
  }

  /** Deletes one listed session and its index entry if the index entry is still there; true if it was live. */
  async #revoke(
    prefix: DenoKvKey,
    listed: { key: string; expiresAt: number; versionstamp: string },
    now: number,
  ): Promise<boolean> {
    const indexKey = [...prefix, listed.key];
    let entry: { value: number | null; versionstamp: string | null } = {
      value: listed.expiresAt,
      versionstamp: listed.versionstamp,
    };
    for (let attempt = 1; ; attempt++) {
      if (entry.versionstamp === null) return false; // deleted, or moved to another user, meanwhile
      const op = this.#kv.atomic().check({ key: indexKey, versionstamp: entry.versionstamp });
      if ((await op.delete(this.#sessionKey(listed.key)).delete(indexKey).commit()).ok)
        return entry.value! > now;
      await this.#retryOrGiveUp(attempt, 'deleteByUser');
      entry = await this.#kv.get<number>(indexKey);
    }
  }

  #sessionKey(key: string): DenoKvKey {
    return [...this.#prefix, 'session', key];
  }

  #userPrefix(userHash: string): DenoKvKey {
    return [...this.#prefix, 'user', userHash];
  }

  #live(value: Stored | null, now: number): Stored | null {
    // Deno KV may still return an entry for a while after `expireIn`.
    return value !== null && value.expiresAt > now ? value : null;
  }

  /**
   * Reads the session entry, lets `decide` choose what to write, and commits
   * the entry and its user index together, checked against the versionstamp
   * read. `next: null` deletes; no `next` writes nothing.
   */
  #transact<R>(
    key: string,
    decide: (
      current: Stored | null,
    ) => { next?: Stored | null; result: R } | Promise<{ next?: Stored | null; result: R }>,
  ): Promise<R> {
    return this.#queued(key, () => this.#commitChecked(key, decide));
  }

  async #commitChecked<R>(
    key: string,
    decide: (
      current: Stored | null,
    ) => { next?: Stored | null; result: R } | Promise<{ next?: Stored | null; result: R }>,
  ): Promise<R> {
    const sessionKey = this.#sessionKey(key);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.#kv.get<Stored>(sessionKey);
      const { next, result } = await decide(entry.value);
      if (next === undefined) return result;
      const op = this.#kv.atomic().check({ key: sessionKey, versionstamp: entry.versionstamp });
      const before = entry.value?.user;
      if (before !== undefined && before !== next?.user) op.delete([...this.#userPrefix(before), key]);
      if (next === null) op.delete(sessionKey);
      else {
        // Deno KV deletes at the earliest after expireIn; reads check expiresAt.
        const expireIn = Math.max(1, Math.ceil(next.expiresAt - this.#now()));
        op.set(sessionKey, next, { expireIn });
        if (next.user !== undefined)
          op.set([...this.#userPrefix(next.user), key], next.expiresAt, { expireIn });
      }
      if ((await op.commit()).ok) return result;
      await this.#retryOrGiveUp(attempt, 'write');
    }
  }

  /** Runs `write` after the writes to `key` queued before it, whatever their outcome. */
  async #queued<R>(key: string, write: () => Promise<R>): Promise<R> {
    const result = (this.#queues.get(key) ?? Promise.resolve()).then(write, write);
    const tail = result.catch(() => undefined);
    this.#queues.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    }
  }

  /**
   * After a failed versionstamp check: waits (exponential backoff with full
   * jitter, so competing writers spread apart), or throws once `attempts` ran out.
   */
  #retryOrGiveUp(attempt: number, what: string): Promise<void> {
    if (attempt >= this.#attempts) {
      throw new Error(
        `DenoKVStore: ${what} gave up after ${this.#attempts} attempts: concurrent writes kept changing the session`,
      );
    }
    return backoff(attempt, 20, MAX_BACKOFF);
  }
}

function stored(record: string, expiresAt: number, user: string | undefined): Stored {
  return user === undefined ? { record, expiresAt } : { record, expiresAt, user };
}

/** Index keys carry a hash of the user id: bounded length, no personal data in keys. */
function hashUser(userId: string): Promise<string> {
  return sha256Base64url(userId);
}
