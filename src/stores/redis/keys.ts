/**
 * The names of RedisStore's keys. Everything of one session shares the hash
 * tag `{<session key>}`, everything of one user `{u:<SHA-256 of the user
 * id>}` (no personal data in keys), so each script keeps to one slot of a
 * Redis Cluster.
 */
import { sha256Base64url } from '../../crypto/digest.ts';
import { parseJson } from '../../util/parse-json.ts';

export class RedisKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /**
   * The session's hash (record.ts). `:h` keeps it apart from the JSON string
   * that versions before the hash layout kept at the bare name: those are
   * not read (their sessions start over) and expire with their TTL.
   */
  session(key: string): string {
    return `${this.#prefix}{${key}}:h`;
  }

  /** The tombstone of a deleted session: refuses writes, and is `hasEnded`'s end marker. */
  gone(key: string): string {
    return `${this.#prefix}{${key}}:gone`;
  }

  /** Revocations that saw the session while it was not their user's. */
  marks(key: string): string {
    return `${this.#prefix}{${key}}:marks`;
  }

  /** Record and tombstone, and with `marks` the revocation marks: one hash slot. */
  sessionKeys(key: string, marks: boolean): string[] {
    const both = [this.session(key), this.gone(key)];
    return marks ? [...both, this.marks(key)] : both;
  }

  /** The index of a user given as JSON text. */
  async userIndex(user: string): Promise<string> {
    return `${this.#prefix}{u:${await sha256Base64url(parseJson(user) as string)}}`;
  }

  /** The user's index, its sequence and its last revocation time: one hash slot. */
  async userKeys(user: string): Promise<[index: string, sequence: string, revoked: string]> {
    const index = await this.userIndex(user);
    return [index, `${index}:seq`, `${index}:revoked`];
  }
}
