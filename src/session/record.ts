/**
 * Pure record arithmetic shared by the engine and the stores: expiry from
 * stored timestamps (OWASP Session Management: idle and absolute timeouts are
 * enforced server-side), and applying a patch.
 */
import { define, jsonEqual } from './json.ts';
import type { SessionInfo, SessionPatch, SessionRecord, SessionTimeouts } from './types.ts';

/** When a record with these timestamps stops being valid: min(last seen + idle, created + absolute). */
export function expiryOf(createdAt: number, lastSeenAt: number, timeouts: SessionTimeouts): number {
  return Math.min(lastSeenAt + timeouts.idleMs, createdAt + timeouts.absoluteMs);
}

/** The timeouts a record lives under: its own (`persist()`), else `defaults` (the manager's). */
export function timeoutsOf(
  record: { idleMs?: number | undefined; absoluteMs?: number | undefined },
  defaults: SessionTimeouts,
): SessionTimeouts {
  return { idleMs: record.idleMs ?? defaults.idleMs, absoluteMs: record.absoluteMs ?? defaults.absoluteMs };
}

/**
 * Whether a value read back from a cookie has a session record's shape (the
 * fields the engine relies on); anything else is treated as absent.
 */
export function isRecordShape(value: unknown): value is SessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<SessionRecord>;
  return (
    typeof record.data === 'object' &&
    record.data !== null &&
    typeof record.flash === 'object' &&
    record.flash !== null &&
    typeof record.createdAt === 'number' &&
    typeof record.lastSeenAt === 'number' &&
    typeof record.expiresAt === 'number'
  );
}

/** Whether `record` is still valid at `now`, under its own timeouts or else these. */
export function isLive(record: SessionRecord, now: number, timeouts: SessionTimeouts): boolean {
  return (
    typeof record.createdAt === 'number' &&
    typeof record.lastSeenAt === 'number' &&
    now < expiryOf(record.createdAt, record.lastSeenAt, timeoutsOf(record, timeouts)) &&
    now < record.expiresAt
  );
}

/** A record with no data, created at `now`. */
export function emptyRecord(now: number, timeouts: SessionTimeouts): SessionRecord {
  return { data: {}, flash: {}, createdAt: now, lastSeenAt: now, expiresAt: expiryOf(now, now, timeouts) };
}

/** The user id named by `userField` in `data`, if it is a string or number. */
export function userIdOf(data: Record<string, unknown>, userField: string): string | undefined {
  const user = Object.hasOwn(data, userField) ? data[userField] : undefined;
  return typeof user === 'string'
    ? user
    : typeof user === 'number' && Number.isFinite(user)
      ? String(user)
      : undefined;
}

/**
 * Applies `patch` to a copy of `record`. Returns null — and the store must
 * write nothing — when the record is missing or no longer live at
 * `patch.now`, so a revoked or expired session is never resurrected.
 */
export function applyPatch(
  record: SessionRecord | null | undefined,
  patch: SessionPatch,
): SessionRecord | null {
  if (record == null || !isLive(record, patch.now, patch)) return null;
  const data: Record<string, unknown> = { ...record.data };
  const flash: Record<string, unknown> = { ...record.flash };
  for (const key of patch.unset ?? []) {
    delete data[key];
    delete flash[key];
  }
  if (patch.set) for (const key of Object.keys(patch.set)) define(data, key, patch.set[key]);
  if (patch.increment) {
    for (const key of Object.keys(patch.increment)) {
      const current = Object.hasOwn(data, key) ? data[key] : undefined;
      define(
        data,
        key,
        (typeof current === 'number' && Number.isFinite(current) ? current : 0) + patch.increment[key]!,
      );
    }
  }
  if (patch.pull) {
    for (const key of Object.keys(patch.pull)) {
      const current = Object.hasOwn(data, key) ? data[key] : undefined;
      const values = patch.pull[key]!;
      if (Array.isArray(current))
        define(
          data,
          key,
          current.filter((item) => !values.some((value) => jsonEqual(item, value))),
        );
    }
  }
  if (patch.push) {
    for (const key of Object.keys(patch.push)) {
      const current = Object.hasOwn(data, key) ? data[key] : undefined;
      define(data, key, [...(Array.isArray(current) ? current : []), ...patch.push[key]!]);
    }
  }
  if (patch.consumed) {
    for (const key of Object.keys(patch.consumed)) {
      // Only the value that was read: a newer flash under the same key survives.
      if (Object.hasOwn(flash, key) && jsonEqual(flash[key], patch.consumed[key])) delete flash[key];
    }
  }
  if (patch.flash) for (const key of Object.keys(patch.flash)) define(flash, key, patch.flash[key]);
  let { persistent, idleMs, absoluteMs } = record;
  if (patch.persist === false) persistent = idleMs = absoluteMs = undefined;
  else if (patch.persist !== undefined) {
    persistent = true;
    idleMs = patch.persist.idleMs;
    absoluteMs = patch.persist.absoluteMs;
  }
  const next: SessionRecord = {
    data,
    flash,
    createdAt: record.createdAt,
    lastSeenAt: patch.now,
    expiresAt: expiryOf(record.createdAt, patch.now, timeoutsOf({ idleMs, absoluteMs }, patch)),
  };
  // Optional fields in one fixed order (the D1 store rebuilds the record in SQL in this order).
  const userId = userIdOf(data, patch.userField);
  if (userId !== undefined) next.userId = userId;
  // A session that gains a user (a login without regenerate) authenticates now.
  const authenticatedAt =
    userId !== undefined && userId !== record.userId ? patch.now : record.authenticatedAt;
  if (authenticatedAt !== undefined) next.authenticatedAt = authenticatedAt;
  if (persistent) next.persistent = true;
  if (idleMs !== undefined) next.idleMs = idleMs;
  if (absoluteMs !== undefined) next.absoluteMs = absoluteMs;
  if (record.meta !== undefined) next.meta = record.meta;
  return next;
}

/** The info of a stored session. */
export function infoOf(handle: string, record: SessionRecord): SessionInfo {
  const info: SessionInfo = {
    handle,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    persistent: record.persistent === true,
  };
  if (record.authenticatedAt !== undefined) info.authenticatedAt = record.authenticatedAt;
  if (record.userId !== undefined) info.userId = record.userId;
  if (record.meta !== undefined) info.meta = { ...record.meta };
  return info;
}
