/**
 * How one session's keys are read and written in KV: the record with its
 * last-seen key and end marker read side by side, the revocation time of
 * its user, and writes that keep KV's one-write-per-key-per-second.
 */
import { END_MARKER_MS, revocationMark } from '../../session/record.ts';
import type { SessionRecord } from '../../session/types.ts';
import type { BindingState } from './binding.ts';
import type { Keys } from './keys.ts';
import { asRecord, lastSeenText, withLastSeen } from './lifetime.ts';
import type { Freshness, Namespace } from './namespace.ts';

/** KV's shortest expirationTtl. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV accepts one write per key per second. */
const MIN_WRITE_SPACING = 1000;

export class Records {
  readonly ns: Namespace;
  readonly keys: Keys;
  readonly now: () => number;
  readonly shared: BindingState;

  constructor(ns: Namespace, keys: Keys, now: () => number, shared: BindingState) {
    this.ns = ns;
    this.keys = keys;
    this.now = now;
    this.shared = shared;
  }

  /** The record, its last-seen key and its end marker, in parallel: the record as last seen, or null once ended. */
  async stored(key: string, freshness: Freshness): Promise<SessionRecord | null> {
    const [value, seen, ended] = await Promise.all([
      this.ns.json(this.keys.record(key), freshness),
      this.ns.json(this.keys.lastSeen(key), freshness),
      this.ns.json(this.keys.ended(key), 'fresh'),
    ]);
    const record = asRecord(value);
    return record === null || ended !== null ? null : withLastSeen(record, seen);
  }

  /** {@link stored}, unless its user was revoked at or after its revocation mark. */
  async live(key: string, freshness: Freshness): Promise<SessionRecord | null> {
    const record = await this.stored(key, freshness);
    if (record === null || record.userId === undefined) return record;
    return revocationMark(record) > (await this.revokedAt(record.userId)) ? record : null;
  }

  /** Whether `key` has an end marker, read past the edge cache (a cached miss would hide a fresh logout). */
  async ended(key: string): Promise<boolean> {
    return (await this.ns.json(this.keys.ended(key), 'fresh')) !== null;
  }

  /** When the user was last revoked, or -Infinity. Never through the edge cache, for the same reason. */
  async revokedAt(userId: string): Promise<number> {
    const value = await this.ns.json(await this.keys.revoked(userId), 'fresh');
    return typeof value === 'number' ? value : -Infinity;
  }

  /** Writes the record (and its user index entry) for KV to keep until `until`. */
  async write(key: string, record: SessionRecord, text: string, until: number): Promise<void> {
    const full = this.keys.record(key);
    const expirationTtl = this.ttl(until);
    await this.ns.put(full, text, expirationTtl);
    this.shared.lastWrite.set(full, this.now());
    if (record.userId !== undefined) {
      await this.ns.put((await this.keys.indexPrefix(record.userId)) + key, '1', expirationTtl);
    }
  }

  /**
   * A touch: skipped when this isolate wrote a last-seen time less than a
   * second older (KV takes one write per key per second; the time lost is
   * under a second), or with `orRecord` when it wrote the record itself
   * less than a second ago.
   */
  async writeLastSeen(key: string, record: SessionRecord, orRecord = false): Promise<void> {
    const full = this.keys.lastSeen(key);
    const written = this.shared.lastSeen.get(full);
    if (written !== undefined && record.lastSeenAt - written < MIN_WRITE_SPACING) return;
    const wroteRecord = this.shared.lastWrite.get(this.keys.record(key));
    if (orRecord && wroteRecord !== undefined && this.now() - wroteRecord < MIN_WRITE_SPACING) return;
    this.shared.lastSeen.set(full, record.lastSeenAt);
    await this.ns.put(full, lastSeenText(record), this.ttl(record.expiresAt));
  }

  /** Leaves the end marker of `key` for `END_MARKER_MS`. */
  markEnded(key: string): Promise<void> {
    return this.ns.put(this.keys.ended(key), JSON.stringify(this.now()), END_MARKER_MS / 1000);
  }

  /** Deletes the record, counted so that a write in flight in this isolate does not put it back. */
  async delete(key: string): Promise<void> {
    const full = this.keys.record(key);
    this.shared.deletions.set(full, (this.shared.deletions.get(full) ?? 0) + 1);
    this.shared.lastWrite.delete(full);
    await this.ns.delete(full);
  }

  /** Ms to wait before the next write to `fullKey` (KV's one write per key per second). */
  spacing(fullKey: string): number {
    const last = this.shared.lastWrite.get(fullKey);
    return last === undefined
      ? 0
      : Math.max(0, Math.min(MIN_WRITE_SPACING, last + MIN_WRITE_SPACING - this.now()));
  }

  /** Seconds until `until`, never below KV's 60-second minimum. */
  ttl(until: number): number {
    return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((until - this.now()) / 1000));
  }
}
