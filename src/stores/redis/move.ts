/**
 * `RedisStore.move`, for `regenerate()`: the live session under `fromKey`,
 * renewed (`renewRecord`), under `toKey`, and `fromKey` deleted as `delete`
 * deletes it (tombstone, index entry).
 *
 * Not one script: the two keys are in different Cluster slots (a key's slot
 * comes from the key alone, and the engine draws `toKey` at random, so no
 * hash tag can put them together), and the renewed record's user index is a
 * third. So `move` takes steps, each atomic on one slot:
 * 1. read `fromKey`, with its write version; not live → false;
 * 2. renew it and check its size (over `maxRecordBytes`: throw, nothing written);
 * 3. with a user: list `toKey` in the user's index first, as every write
 *    does; the reply carries the user's last revocation time;
 * 4. take `fromKey`: delete it with its tombstone, only if it is still the
 *    version read in 1 (else start again from 1);
 * 5. write `toKey` with the claim of 3 — refused by a tombstone there or a
 *    revocation mark, as `set` is;
 * 6. remove `fromKey` from its user's index.
 * Every interleaving with a deletion or revocation ends the session, none
 * resurrects it:
 * - `delete(fromKey)` before 4: 4 finds no record, so `toKey` is never
 *   written (false); after 4 it deletes a session that has moved on — as if
 *   the move had come first;
 * - `deleteByUser` sets the revocation time, then lists the index, then
 *   deletes what it listed. Listed after 3, it sees `toKey` and tombstones
 *   it: 5 is refused (false) or its write deleted. Its time set before 3 and
 *   at or after the record's `revocationMark`: 3 says so, and `move` takes
 *   `fromKey` and returns false, whether or not the revocation reached it
 *   yet. A revocation that keeps `fromKey` ("everywhere else") writes its
 *   `keptAt` before its time, so 4 sees a new version and `move` starts over
 *   from the kept record (whose mark is past the revocation). If that
 *   revocation listed the index after 3, it ended `toKey` as one of the
 *   others: the session ends — what the move coming first would have left;
 * - a concurrent `update` of `fromKey` before 4: a new version, start over,
 *   so the renewed record carries it.
 * A crash between 4 and 5 loses the session (the user signs in again),
 * never keeps the old id alive.
 */
import { renewRecord, revocationMark } from '../../session/record.ts';
import type { SessionPatch, SessionRecord } from '../../session/types.ts';
import { replyText } from './connection.ts';
import { type EncodedRecord, reach, type Stored } from './record.ts';

/** What `move` needs of the store. */
export interface MoveSteps {
  read(key: string): Promise<Stored>;
  encode(record: SessionRecord, bound: number | undefined): EncodedRecord;
  /** Lists `key` in the index of `user` (JSON): [sequence number, the user's revocation time]. */
  index(user: string, key: string, bound: number): Promise<[string, number | null]>;
  take(key: string, version: string): Promise<unknown>;
  write(key: string, encoded: EncodedRecord, claim: string[], expiresAt: number): Promise<unknown>;
  unlist(user: string, keys: string[]): Promise<void>;
}

/** Rounds of "read, then take" before a move gives up (the session keeps changing under it). */
const ROUNDS = 4;

export async function moveSession(
  steps: MoveSteps,
  fromKey: string,
  toKey: string,
  patch: SessionPatch,
): Promise<boolean> {
  for (let round = 1; round <= ROUNDS; round++) {
    const { record, version } = await steps.read(fromKey);
    const renewed = renewRecord(record, patch);
    if (record === null || renewed === null) return false;
    // A keptAt past the request time ("sign out everywhere else" kept this
    // session meanwhile) stays, so the revocation does not end the new id.
    if (record.keptAt !== undefined && record.keptAt > patch.now) renewed.keptAt = record.keptAt;
    const bound = renewed.userId === undefined ? undefined : reach(renewed.expiresAt, renewed.lastSeenAt);
    const encoded = steps.encode(renewed, bound);
    let claim = ['', '0'];
    let revoked = false;
    if (bound !== undefined) {
      const user = JSON.stringify(renewed.userId);
      const [sequence, at] = await steps.index(user, toKey, bound);
      claim = [user, sequence];
      revoked = record.userId === renewed.userId && at !== null && at >= revocationMark(record);
    }
    const taken = await steps.take(fromKey, version);
    if (taken === -2) continue;
    if (!Array.isArray(taken)) return false;
    const user = replyText(taken[1]);
    const written = revoked ? -1 : await steps.write(toKey, encoded, claim, renewed.expiresAt);
    if (user !== null) await steps.unlist(user, [fromKey]);
    return written !== -1;
  }
  throw new Error(`RedisStore: gave up moving the session after ${ROUNDS} attempts: it kept changing`);
}
