/**
 * `RedisStore` (`tesserajs/redis`): sessions in Redis, for Node, Bun and
 * Deno servers — one instance or a Redis Cluster.
 *
 * Keys (`prefix` default `tessera:`; keys.ts):
 * - `<prefix>{<session key>}:h` — the session: a hash with a field per data
 *   and flash member and per other record field (record.ts), expiring with
 *   the session (a TTL from the app's clock to the record's `expiresAt`);
 *   read with one `HGETALL`, patched by one Lua script that touches only the
 *   fields a patch names (update-script.ts);
 * - `<prefix>{<session key>}:gone` — a tombstone for an hour after a deletion;
 * - `<prefix>{<session key>}:marks` — revocations that saw this session
 *   while it was not their user's (for an hour);
 * - `<prefix>{u:<SHA-256 of user id>}` — the user's index, a sorted set of
 *   session keys scored by how long each may live, pruned past its score,
 *   expiring with its last entry; `…:seq` numbers its writes, `…:revoked`
 *   holds the last revocation time for an hour.
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
 * their score passes; listing checks each session. `move` crosses slots
 * too: move.ts says how.
 */
import { checkOptionNames } from '../../util/options.ts';
import {
  DEFAULT_MAX_RECORD_BYTES,
  END_MARKER_MS,
  recordTooLarge,
  revocationMark,
} from '../../session/record.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../session/types.ts';
import { type RedisConnection, replyText } from './connection.ts';
import { RedisKeys } from './keys.ts';
import { moveSession } from './move.ts';
import {
  CLAIM_AT,
  decodeRecord,
  type EncodedRecord,
  encodeRecord,
  reach,
  updateArguments,
} from './record.ts';
import { DELETE, KEEP, REVOKE, SET, TAKE, TOUCH } from './scripts.ts';
import { UPDATE } from './update-script.ts';
import { type Need, UserIndex } from './user-index.ts';

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
  /**
   * The largest session record the store writes, in bytes of its JSON text
   * (UTF-8). A write over it — `set`, an `update` that grows the record past
   * it, `move` — throws a `RangeError` naming this option and changes
   * nothing. Redis runs one command at a time, so one huge session would
   * slow every other client. Default 128 KiB (`DEFAULT_MAX_RECORD_BYTES`).
   */
  maxRecordBytes?: number;
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Sessions `deleteByUser` revokes at once. */
const BATCH = 200;
/** The largest `maxRecordBytes`: Redis' own limit on one value. */
const MAX_LIMIT = 512 * 1024 * 1024;

const REVOKED =
  'RedisStore: the session was deleted (logged out or revoked) while this request was writing it';

/**
 * Session store on Redis: `new RedisStore(nodeRedis(client))` (or
 * `ioRedis`, `bunRedis`). Atomic `update` (one Lua script), immediate and
 * final logout and "sign out everywhere", Cluster-safe.
 */
export class RedisStore implements SessionStore {
  readonly #redis: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #index: UserIndex;
  readonly #limit: number;
  readonly #limitText: string;
  readonly #now: () => number;

  constructor(redis: RedisConnection, options: RedisStoreOptions = {}) {
    if (redis === null || typeof redis !== 'object' || typeof redis.send !== 'function') {
      throw new TypeError(
        'RedisStore: the first argument must be a Redis connection: nodeRedis(client), ioRedis(client) or bunRedis(client)',
      );
    }
    const spelled = options.prefix === undefined ? 'keyPrefix' : 'prefix';
    options = checkOptionNames('RedisStore', options, ['keyPrefix', 'maxRecordBytes', 'now'], {
      prefix: 'keyPrefix',
    });
    const prefix = options.keyPrefix ?? 'tessera:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix) || prefix.length > 256) {
      throw new TypeError(
        `RedisStore: option ${spelled} must be a string of at most 256 characters without { or }`,
      );
    }
    const limit = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(limit) || limit < 1024 || limit > MAX_LIMIT) {
      throw new TypeError(
        `RedisStore: option maxRecordBytes must be a whole number of bytes from 1024 to ${MAX_LIMIT}`,
      );
    }
    this.#redis = redis;
    this.#keys = new RedisKeys(prefix);
    this.#index = new UserIndex(redis, this.#keys);
    this.#limit = limit;
    this.#limitText = String(limit);
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const session = this.#keys.session(key);
    return decodeRecord(await this.#redis.send(['HGETALL', session], session)).record;
  }

  /**
   * Writes the record (the user's index first).
   *
   * @throws RangeError when the record is over `maxRecordBytes` (nothing written).
   * @throws Error when the session was deleted (logged out or revoked) while
   *   this write was on its way: it is refused, never resurrected.
   */
  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const bound = record.userId === undefined ? undefined : reach(record.expiresAt, record.lastSeenAt);
    const encoded = this.#encode(record, bound);
    const now = this.#now();
    let claim = ['', '0'];
    if (bound !== undefined) {
      const user = JSON.stringify(record.userId);
      claim = [user, (await this.#index.add(user, key, bound, now))[0]];
    }
    if ((await this.#write(key, encoded, claim, expiresAt, now)) === -1) throw new Error(REVOKED);
  }

  /** Moves the timestamps of a live record; never creates one. */
  async touch(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    const now = this.#now();
    const bound = String(reach(expiresAt, record.lastSeenAt));
    const head = [String(now), String(record.lastSeenAt), String(expiresAt), ttl(expiresAt, now)];
    const session = [this.#keys.session(key)];
    await this.#index.claiming(key, now, async (claim) => {
      const reply = await TOUCH.run(this.#redis, session, [...head, claim[0], bound]);
      return Array.isArray(reply) ? [String(reply[1]), bound] : reply;
    });
  }

  /**
   * Applies `patch` in one Lua script; false, writing nothing, when there is no live record.
   *
   * @throws RangeError when the patch would grow the record past `maxRecordBytes` (nothing written).
   */
  async update(key: string, patch: SessionPatch): Promise<boolean> {
    const args = updateArguments(patch, this.#limitText);
    const session = this.#keys.session(key);
    // Most writes need no claim: the first runs without the index round, and without the
    // revocation marks key (the script reads it only with a claim).
    let reply = this.#updateReply(await UPDATE.run(this.#redis, [session], args));
    if (Array.isArray(reply)) {
      reply = await this.#index.claiming(
        key,
        this.#now(),
        async (claim) => {
          args[CLAIM_AT] = claim[0];
          args[CLAIM_AT + 1] = claim[1];
          args[CLAIM_AT + 2] = claim[2];
          return this.#updateReply(await UPDATE.run(this.#redis, [session, this.#keys.marks(key)], args));
        },
        reply,
      );
    }
    if (reply === -1) throw new Error(REVOKED);
    return reply === 1;
  }

  /** The update script's reply: 1, 0, -1, or what the user's index must reach first. */
  #updateReply(reply: unknown): number | Need {
    if (!Array.isArray(reply)) return reply as number;
    if (reply[0] === 'large') throw recordTooLarge('RedisStore', Number(reply[1]), this.#limit);
    return [String(reply[1]), replyText(reply[2]) ?? undefined];
  }

  /**
   * `regenerate()`: the live record under `fromKey`, renewed, under `toKey`;
   * `fromKey` deleted as `delete` does. False, carrying nothing, when there
   * is no live record. See move.ts for the order of its steps.
   *
   * @throws RangeError when the renewed record is over `maxRecordBytes` (nothing written).
   */
  move(fromKey: string, toKey: string, patch: SessionPatch): Promise<boolean> {
    const now = this.#now();
    return moveSession(
      {
        read: async (key) => {
          const session = this.#keys.session(key);
          return decodeRecord(await this.#redis.send(['HGETALL', session], session));
        },
        encode: (record, bound) => this.#encode(record, bound),
        index: (user, key, bound) => this.#index.add(user, key, bound, now),
        take: (key, version) => TAKE.run(this.#redis, this.#keys.sessionKeys(key, false), [version]),
        write: (key, encoded, claim, expiresAt) => this.#write(key, encoded, claim, expiresAt, now),
        unlist: (user, keys) => this.#index.unlist(user, keys),
      },
      fromKey,
      toKey,
      patch,
    );
  }

  async delete(key: string): Promise<void> {
    const user = replyText(await DELETE.run(this.#redis, this.#keys.sessionKeys(key, false), []));
    if (user !== null) await this.#index.unlist(user, [key]);
  }

  /** Keys of the user's live sessions: the index, each entry checked against its session. */
  async listByUser(userId: string): Promise<string[]> {
    const user = JSON.stringify(userId);
    const now = this.#now();
    const [, keys] = await this.#index.list(user, now, false);
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
    // Before any session goes, and before the revocation time is set: the kept
    // one's keptAt passes the revocation, so revokedAt and hasEnded spare it.
    if (options.except !== undefined)
      await KEEP.run(this.#redis, [this.#keys.session(options.except)], [user, String(now)]);
    const [, , revoked] = await this.#keys.userKeys(user);
    await this.#redis.send(['SET', revoked, String(now), 'PX', String(END_MARKER_MS)], revoked);
    const [sequence, listed] = await this.#index.list(user, now, true);
    const keys = listed.filter((key) => key !== options.except);
    let live = 0;
    const gone: string[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      const replies = await Promise.all(
        batch.map((key) =>
          REVOKE.run(this.#redis, this.#keys.sessionKeys(key, true), [user, sequence, String(now)]),
        ),
      );
      replies.forEach((reply, j) => {
        if (reply === 1) live++;
        if (reply !== 2) gone.push(batch[j]!);
      });
    }
    if (gone.length > 0) await this.#index.unlist(user, gone);
    return live;
  }

  /**
   * When the user's sessions were last revoked together (`deleteByUser`), or
   * null: one small read, for the read cache's `checkRevocation`. Kept for an
   * hour, longer than any read cache copy lives (300 s at most).
   */
  async revokedAt(userId: string): Promise<number | null> {
    const [, , revoked] = await this.#keys.userKeys(JSON.stringify(userId));
    const text = replyText(await this.#redis.send(['GET', revoked], revoked));
    const at = text === null ? Number.NaN : Number(text);
    return Number.isFinite(at) ? at : null;
  }

  /**
   * Whether the session under `key`, of which `record` is a (read cache)
   * copy, has ended: its tombstone (any deletion, for an hour) or its user's
   * revocation time at or after `revocationMark(record)`. The two reads go
   * out together (pipelined on one connection; to two nodes of a Cluster).
   */
  async hasEnded(key: string, record: SessionRecord): Promise<boolean> {
    const gone = this.#keys.gone(key);
    const user = typeof record.userId === 'string' ? JSON.stringify(record.userId) : undefined;
    const revokedKey = user === undefined ? undefined : (await this.#keys.userKeys(user))[2];
    const [ended, revoked] = await Promise.all([
      this.#redis.send(['EXISTS', gone], gone),
      revokedKey === undefined ? null : this.#redis.send(['GET', revokedKey], revokedKey),
    ]);
    const at = Number(replyText(revoked) ?? Number.NaN);
    return Number(ended) > 0 || (Number.isFinite(at) && at >= revocationMark(record));
  }

  /** The hash of `record`, or the maxRecordBytes error. */
  #encode(record: SessionRecord, bound: number | undefined): EncodedRecord {
    const encoded = encodeRecord(record, bound);
    if (encoded.bytes > this.#limit) throw recordTooLarge('RedisStore', encoded.bytes, this.#limit);
    return encoded;
  }

  /** Writes an encoded record with its claim: 1, or -1 when a deletion or revocation refuses it. */
  #write(key: string, encoded: EncodedRecord, claim: string[], expiresAt: number, now: number) {
    const args = [ttl(expiresAt, now), claim[0]!, claim[1]!, encoded.state, ...encoded.fields];
    return SET.run(this.#redis, this.#keys.sessionKeys(key, true), args);
  }
}

/** A TTL in ms for Redis: to `expiresAt` from now, at least 1. */
function ttl(expiresAt: number, now: number): string {
  return String(Math.max(1, Math.ceil(expiresAt - now)));
}
