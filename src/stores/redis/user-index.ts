/**
 * A user's index in RedisStore (index.ts says why it is written before the
 * session): adding a session to it, listing it, removing deleted sessions,
 * and the "claim" round trip of a write the session's script refused until
 * the index was written.
 */
import { type RedisConnection, replyText } from './connection.ts';
import type { RedisKeys } from './keys.ts';
import { INDEX, LIST } from './scripts.ts';

/**
 * How far behind its score an index entry is pruned (ms): room for app
 * servers whose clocks run ahead of the one that wrote the entry.
 */
const PRUNE_MARGIN_MS = 60_000;
/** Rounds of "write the index, then the session" before a write gives up (the user keeps changing). */
const ATTEMPTS = 4;

/** A script's request that the user's index reach `bound` first: [user JSON, bound]. */
export type Need = [string, string | undefined];
/** What a write tells its script about the index it wrote first: [user JSON, sequence number, bound]. */
export type Claim = [string, string, string];

export class UserIndex {
  readonly #redis: RedisConnection;
  readonly #keys: RedisKeys;

  constructor(redis: RedisConnection, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Removes deleted sessions from the index of `user` (JSON): after their tombstone nothing writes them back. */
  async unlist(user: string, keys: string[]): Promise<void> {
    const index = await this.#keys.userIndex(user);
    await this.#redis.send(['ZREM', index, ...keys], index);
  }

  /**
   * Runs a session write that may ask (`need`) for the user's index to be
   * written first; then writes it and runs the write again with the claim.
   * `first`: the need of a first run the caller made itself, without a claim.
   */
  async claiming<R>(
    key: string,
    now: number,
    write: (claim: Claim) => Promise<R | Need>,
    first?: Need,
  ): Promise<R> {
    let claim: Claim = ['', '0', '0'];
    for (let attempt = 1; ; attempt++) {
      const reply = attempt === 1 && first !== undefined ? first : await write(claim);
      if (!Array.isArray(reply)) return reply;
      if (attempt >= ATTEMPTS)
        throw new Error(`RedisStore: gave up after ${ATTEMPTS} attempts: the session's user kept changing`);
      const [user, bound = '0'] = reply;
      claim = [user, (await this.add(user, key, Number(bound), now))[0], bound];
    }
  }

  /** Adds `key` to the index of `user` (JSON) reaching `bound`: the write's sequence number and the user's revocation time. */
  async add(user: string, key: string, bound: number, now: number): Promise<[string, number | null]> {
    const keys = await this.#keys.userKeys(user);
    const args = [String(now - PRUNE_MARGIN_MS), key, String(bound), String(now)];
    const [sequence, revoked] = (await INDEX.run(this.#redis, keys, args)) as [unknown, unknown];
    const at = Number(replyText(revoked) ?? Number.NaN);
    return [String(sequence), Number.isFinite(at) ? at : null];
  }

  /** Prunes and reads the index of `user` (JSON); a revocation also takes a sequence number. */
  async list(user: string, now: number, revoke: boolean): Promise<[string, string[]]> {
    const [index, sequence] = await this.#keys.userKeys(user);
    const args = [String(now - PRUNE_MARGIN_MS), revoke ? '1' : '0'];
    const reply = (await LIST.run(this.#redis, [index, sequence], args)) as [unknown, unknown[]];
    return [String(reply[0]), reply[1].map((key) => replyText(key)!)];
  }
}
