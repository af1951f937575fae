/**
 * How long a session lives in KV, without a read-only request ever
 * rewriting its record.
 *
 * KV is last-writer-wins and a location may still serve a record another
 * location deleted a moment ago, so a touch that wrote the whole record back
 * could bring a logged-out session back everywhere. Instead a touch writes
 * only a small "last seen" key beside the record; a read takes the later of
 * the two. The last-seen key alone is nothing: without the record there is
 * no session, so a stale touch after a logout writes only an orphan that
 * expires by itself.
 *
 * The record itself must then outlive every touch, so KV keeps it until the
 * session's absolute deadline (`createdAt` + absolute timeout), while the
 * engine still refuses it once idle: the last-seen key expires with the idle
 * expiry it carries, after which the record's own (older) `lastSeenAt` says
 * idle too.
 */
import { isRecordShape } from '../../session/record.ts';
import type { SessionPatch, SessionRecord } from '../../session/types.ts';

/** What a touch stores: when the session was last seen, the expiry that gives, and which record it belongs to. */
interface LastSeen {
  lastSeenAt: number;
  expiresAt: number;
  createdAt: number;
}

/**
 * Lifetime of a record written before the store has learned the manager's
 * absolute timeout (from a patch): a browser keeps no cookie longer than
 * 400 days. Only storage is at stake: the engine refuses the record once idle.
 */
export const UNKNOWN_LIFETIME_MS = 400 * 86_400_000;

/** A patch that changes nothing but the time: what a read-only request with its touch due sends. */
export function isTouchOnly(patch: SessionPatch): boolean {
  return (
    isEmpty(patch.set) &&
    isEmpty(patch.unset) &&
    isEmpty(patch.increment) &&
    isEmpty(patch.pull) &&
    isEmpty(patch.push) &&
    isEmpty(patch.flash) &&
    isEmpty(patch.consumed) &&
    patch.persist === undefined &&
    patch.rotate === undefined
  );
}

function isEmpty(value: object | undefined): boolean {
  return value === undefined || Object.keys(value).length === 0;
}

/** The text of the last-seen key for `record` (a record with its new `lastSeenAt` and `expiresAt`). */
export function lastSeenText(record: SessionRecord): string {
  const seen: LastSeen = {
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
  };
  return JSON.stringify(seen);
}

/** `record` as last seen: a later touch of this very record moves `lastSeenAt` and `expiresAt`. */
export function withLastSeen(record: SessionRecord, seen: unknown): SessionRecord {
  if (!isLastSeen(seen) || seen.createdAt !== record.createdAt || seen.lastSeenAt <= record.lastSeenAt)
    return record;
  return { ...record, lastSeenAt: seen.lastSeenAt, expiresAt: seen.expiresAt };
}

function isLastSeen(value: unknown): value is LastSeen {
  if (typeof value !== 'object' || value === null) return false;
  const seen = value as Partial<LastSeen>;
  return (
    Number.isFinite(seen.lastSeenAt) && Number.isFinite(seen.expiresAt) && Number.isFinite(seen.createdAt)
  );
}

/** A stored value as a record, or null when it is not one. */
export function asRecord(value: unknown): SessionRecord | null {
  return isRecordShape(value) ? value : null;
}

/**
 * Until when KV must keep `record`: its absolute deadline, under its own
 * absolute timeout (`persist`), else the manager's (`absoluteMs`, from a
 * patch), else {@link UNKNOWN_LIFETIME_MS}; never before its expiry.
 */
export function keepUntil(record: SessionRecord, absoluteMs: number | undefined): number {
  const absolute = record.absoluteMs ?? absoluteMs ?? UNKNOWN_LIFETIME_MS;
  return Math.max(record.expiresAt, record.createdAt + absolute);
}
