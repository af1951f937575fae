/**
 * `RedisStore` (`tesserajs/redis`): sessions in Redis, for Node, Bun and
 * Deno servers — one instance or a Redis Cluster.
 *
 * Keys (`prefix` default `tessera:`):
 * - `<prefix>{<session key>}` — the session: the record's JSON (and how far
 *   its user's index entry reaches), expiring with the session (a TTL from
 *   the app's clock to the record's `expiresAt`); read with one `GET`,
 *   patched by one Lua script (update-script.ts);
 * - `<prefix>{<session key>}:gone` — a tombstone for an hour after a deletion;
 * - `<prefix>{<session key>}:marks` — revocations that saw this session
 *   while it was not their user's (for an hour);
 * - `<prefix>{u:<SHA-256 of user id>}` — the user's index, a sorted set of
 *   session keys scored by how long each may live, pruned past its score,
 *   expiring with its last entry; `…:seq` numbers its writes.
 *
 * Every script keeps to one hash slot (Cluster). A session and its user's
 * index live in different slots, so the store orders the two: **the index
 * is written first**. A write that would make a session belong to a user,
 * or live past what that user's index entry says, is refused by the script
 * (`need`) until the index has been written, then sent again with the
 * index write's sequence number (a "claim"). So every live session with a
 * user is listed in that user's index, and `deleteByUser` finds it: it
 * takes the next sequence number, deletes each listed session of the user
 * (a tombstone refuses writes in flight), and marks the listed sessions that
 * are not (yet) the user's, so that a claim numbered before the revocation —
 * a login racing it — is refused. A login racing "sign out everywhere"
 * either is revoked with the rest or fails; one that starts after it stands.
 * Entries of sessions that moved to another user or expired stay until
 * their score passes; listing checks each session.
 */
import { checkOptionNames } from '../../util/options.ts';
import { sha256Base64url } from '../../crypto/digest.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { parseJson } from '../../util/parse-json.ts';
import { type RedisConnection, replyText } from './connection.ts';
import { decodeRecord, patchHead, patchOperations, recordText } from './record.ts';
import { DELETE, INDEX, LIST, OUTLIVE, REVOKE, SET, TOMBSTONE_MS, TOUCH } from './scripts.ts';
import { UPDATE } from './update-script.ts';

export {
  bunRedis,
  ioRedis,
  nodeRedis,
  type BunRedisLike,
  type IoRedisLike,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
  type RedisConnection,
} from './connection.ts';

/** Options for {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key the store writes; no `{` or `}` (they would move keys between Cluster slots). Default `tessera:`. */
  keyPrefix?: string;
  /** @deprecated Renamed `keyPrefix`; accepted, with a warning, until the next minor release. */
  prefix?: string;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * How far behind its score an index entry is pruned (ms): room for app
 * servers whose clocks run ahead of the one that wrote the entry.
 */
const PRUNE_MARGIN_MS = 60_000;
/** Rounds of "write the index, then the session" before a write gives up (the user keeps changing). */
const ATTEMPTS = 4;
/** Sessions `deleteByUser` revokes at once. */
const BATCH = 200;

const REVOKED =
  'RedisStore: the session was deleted (logged out or revoked) while this request was writing it';

/** A script's request that the user's index reach `bound` first: [user JSON, bound]. */
type Need = [string, string | undefined];
/** What a write tells its script about the index it wrote first: [user JSON, sequence number, bound]. */
type Claim = [string, string, string];

/**
 * Session store on Redis: `new RedisStore(nodeRedis(client))` (or
 * `ioRedis`, `bunRedis`). Atomic `update` (one Lua script), immediate and
 * final logout and "sign out everywhere", Cluster-safe.
 */
export class RedisStore implements SessionStore {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(redis: RedisConnection, options: RedisStoreOptions = {}) {
    if (redis === null || typeof redis !== 'object' || typeof redis.send !== 'function') {
      throw new TypeError(
        'RedisStore: the first argument must be a Redis connection: nodeRedis(client), ioRedis(client) or bunRedis(client)',
      );
    }
    const spelled = options.prefix === undefined ? 'keyPrefix' : 'prefix';
    options = checkOptionNames('RedisStore', options, ['keyPrefix', 'now'], { prefix: 'keyPrefix' });
    const prefix = options.keyPrefix ?? 'tessera:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix) || prefix.length > 256) {
      throw new TypeError(
        `RedisStore: option ${spelled} must be a string of at most 256 characters without { or }`,
      );
    }
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const session = this.#session(key);
    return decodeRecord(await this.#redis.send(['GET', session], session));
  }

  /**
   * Writes the record (the user's index first).
   *
   * @throws Error when the session was deleted (logged out or revoked) while
   *   this write was on its way: it is refused, never resurrected.
   */
  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const now = this.#now();
    let claim = ['', '0'];
    let bound: number | undefined;
    if (record.userId !== undefined) {
      const user = JSON.stringify(record.userId);
      bound = reach(record.expiresAt, record.lastSeenAt);
      claim = [user, await this.#index(user, key, bound, now)];
    }
    const reply = await SET.run(this.#redis, this.#sessionKeys(key, true), [
      ttl(expiresAt, now),
      ...claim,
      recordText(record, bound),
    ]);
    if (reply === -1) throw new Error(REVOKED);
  }

  /** Moves the timestamps of a live record; never creates one. */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const now = this.#now();
    const bound = String(reach(expiresAt, record.lastSeenAt));
    const head = [String(now), String(record.lastSeenAt), String(expiresAt), ttl(expiresAt, now)];
    await this.#claiming(key, now, async (claim) => {
      const reply = await TOUCH.run(this.#redis, [this.#session(key)], [...head, claim[0], bound]);
      return Array.isArray(reply) ? [String(reply[1]), bound] : reply;
    });
  }

  /** Applies `patch` in one Lua script; false, writing nothing, when there is no live record. */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    const head = patchHead(patch);
    const operations = patchOperations(patch);
    const keys = [this.#session(key), this.#marks(key)];
    const reply = await this.#claiming(key, this.#now(), async (claim) => {
      const reply = await UPDATE.run(this.#redis, keys, [...head, ...claim, ...operations]);
      return Array.isArray(reply) ? [String(reply[1]), replyText(reply[2]) ?? undefined] : reply;
    });
    if (reply === -1) throw new Error(REVOKED);
    return reply === 1;
  }

  async delete(key: string): Promise<void> {
    const user = replyText(await DELETE.run(this.#redis, this.#sessionKeys(key, false), []));
    // After the tombstone nothing can write the session back, so its entry can go.
    if (user !== null) {
      const index = await this.#userIndex(user);
      await this.#redis.send(['ZREM', index, key], index);
    }
  }

  /** Keys of the user's live sessions: the index, each entry checked against its session. */
  async listByUser(userId: string): Promise<string[]> {
    const user = JSON.stringify(userId);
    const now = this.#now();
    const [, keys] = await this.#list(user, now, false);
    const records = await Promise.all(keys.map((key) => this.get(key)));
    return keys.filter((_, i) => records[i]?.userId === userId && records[i]!.expiresAt > now);
  }

  /**
   * Deletes every session of the user but `except`; resolves to how many
   * were live. Final at once: see the module comment for a login racing it.
   */
  async deleteByUser(userId: string, options: { except?: string } = {}): Promise<number> {
    const user = JSON.stringify(userId);
    const now = this.#now();
    // For read caches (revokedAt), before any session goes: the kept one
    // authenticates after this revocation, then the revocation time is set.
    if (options.except !== undefined)
      await OUTLIVE.run(this.#redis, [this.#session(options.except)], [user, String(now)]);
    const revoked = await this.#revokedKey(user);
    await this.#redis.send(['SET', revoked, String(now), 'PX', String(TOMBSTONE_MS)], revoked);
    const [sequence, listed] = await this.#list(user, now, true);
    const keys = listed.filter((key) => key !== options.except);
    let live = 0;
    const gone: string[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      const replies = await Promise.all(
        batch.map((key) =>
          REVOKE.run(this.#redis, this.#sessionKeys(key, true), [user, sequence, String(now)]),
        ),
      );
      replies.forEach((reply, j) => {
        if (reply === 1) live++;
        if (reply !== 2) gone.push(batch[j]!);
      });
    }
    if (gone.length > 0) {
      const index = await this.#userIndex(user);
      await this.#redis.send(['ZREM', index, ...gone], index);
    }
    return live;
  }

  /**
   * Runs a session write that may ask (`need`) for the user's index to be
   * written first; then writes it and runs the write again with the claim.
   */
  async #claiming<R>(key: string, now: number, write: (claim: Claim) => Promise<R | Need>): Promise<R> {
    let claim: Claim = ['', '0', '0'];
    for (let attempt = 1; ; attempt++) {
      const reply = await write(claim);
      if (!Array.isArray(reply)) return reply;
      if (attempt >= ATTEMPTS)
        throw new Error(`RedisStore: gave up after ${ATTEMPTS} attempts: the session's user kept changing`);
      const [user, bound = '0'] = reply;
      claim = [user, await this.#index(user, key, Number(bound), now), bound];
    }
  }

  /** Adds `key` to the index of `user` (JSON) reaching `bound`; resolves to the write's sequence number. */
  async #index(user: string, key: string, bound: number, now: number): Promise<string> {
    const index = await this.#userIndex(user);
    const args = [String(now - PRUNE_MARGIN_MS), key, String(bound), String(now)];
    return String(await INDEX.run(this.#redis, [index, `${index}:seq`], args));
  }

  /** Prunes and reads the index of `user` (JSON); a revocation also takes a sequence number. */
  async #list(user: string, now: number, revoke: boolean): Promise<[string, string[]]> {
    const index = await this.#userIndex(user);
    const args = [String(now - PRUNE_MARGIN_MS), revoke ? '1' : '0'];
    const reply = (await LIST.run(this.#redis, [index, `${index}:seq`], args)) as [unknown, unknown[]];
    return [String(reply[0]), reply[1].map((key) => replyText(key)!)];
  }

  #session(key: string): string {
    return `${this.#prefix}{${key}}`;
  }

  #marks(key: string): string {
    return `${this.#session(key)}:marks`;
  }

  /** Record and tombstone, and with `marks` the revocation marks: one hash slot. */
  #sessionKeys(key: string, marks: boolean): string[] {
    const session = this.#session(key);
    return marks ? [session, `${session}:gone`, `${session}:marks`] : [session, `${session}:gone`];
  }

  /**
   * When the user's sessions were last revoked together (`deleteByUser`), or
   * null: one small read, for the read cache's `checkRevocation`. Kept for an
   * hour, longer than any read cache copy lives (300 s at most).
   */
  async revokedAt(userId: string): Promise<number | null> {
    const revoked = await this.#revokedKey(JSON.stringify(userId));
    const text = replyText(await this.#redis.send(['GET', revoked], revoked));
    const at = text === null ? Number.NaN : Number(text);
    return Number.isFinite(at) ? at : null;
  }

  /** The user's last revocation time: beside the user's index, in its hash slot. */
  async #revokedKey(user: string): Promise<string> {
    return `${await this.#userIndex(user)}:revoked`;
  }

  /** The index key of a user given as JSON text: a hash of the id, so no personal data in keys. */
  async #userIndex(user: string): Promise<string> {
    return `${this.#prefix}{u:${await sha256Base64url(parseJson(user) as string)}}`;
  }
}

/** A TTL in ms for Redis: to `expiresAt` from now, at least 1. */
function ttl(expiresAt: number, now: number): string {
  return String(Math.max(1, Math.ceil(expiresAt - now)));
}

/**
 * How far a user's index entry reaches for a write that knows only the
 * expiry: one more idle period past it, so the next few updates need not
 * extend it (an update asks for the absolute deadline once it knows it).
 */
function reach(expiresAt: number, lastSeenAt: number): number {
  return expiresAt + Math.max(0, expiresAt - lastSeenAt);
}
