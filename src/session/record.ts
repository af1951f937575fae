/**
 * Pure record arithmetic shared by the engine and the stores: expiry from
 * stored timestamps (OWASP Session Management: idle and absolute timeouts are
 * enforced server-side), and applying a patch.
 */
import { define, jsonEqual } from './json.ts';
import type { SessionInfo, SessionPatch, SessionRecord, SessionRotation, SessionTimeouts } from './types.ts';

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

/**
 * The time a per-user revocation is compared with: the session ends when its
 * user's sessions are revoked at or after it. A login (or regenerate) moves
 * it through `authenticatedAt`; a "sign out everywhere else" that kept the
 * session moves it through `keptAt`, leaving `authenticatedAt` alone.
 */
export function revocationMark(record: SessionRecord): number {
  const authenticated = record.authenticatedAt ?? record.createdAt;
  return record.keptAt !== undefined && record.keptAt > authenticated ? record.keptAt : authenticated;
}

/**
 * How long a store keeps a per-session end marker and a per-user revocation
 * time (ms): longer than any read cache copy lives (`readCache` allows 300 s
 * at most), so `hasEnded` sees every end a copy could outlive.
 */
export const END_MARKER_MS = 3_600_000;

/**
 * The record `regenerate()` moves to a new id: the stored record with a new
 * lifetime, authenticated now, with the request's patch applied. Null when
 * `record` is missing or no longer live (nothing is carried over).
 */
export function renewRecord(
  record: SessionRecord | null | undefined,
  patch: SessionPatch,
): SessionRecord | null {
  if (record == null || !isLive(record, patch.now, patch)) return null;
  const { keptAt: _kept, rotation: _rotation, ...rest } = record;
  const now = patch.now;
  const renewed = applyPatch(
    { ...rest, createdAt: now, lastSeenAt: now, authenticatedAt: now, expiresAt: now + 1 },
    patch,
  )!;
  // A new id starts a new rotation: no value of the old cookie is ever accepted for it.
  if (patch.rotate) renewed.rotation = { current: patch.rotate.to, at: patch.rotate.at };
  else delete renewed.rotation;
  return renewed;
}

/**
 * The default bound on one stored session record, in bytes of its JSON text
 * (the `maxRecordBytes` option of the server-side stores). A session is for
 * a user id and a few small values; a bigger record costs every request
 * that reads it, and on Redis every other client too.
 */
export const DEFAULT_MAX_RECORD_BYTES = 128 * 1024;

/** Length of `text` in UTF-8 bytes, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && !(code >= 0xd800 && code <= 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/**
 * The error a store throws for a write whose record is over its
 * `maxRecordBytes`: the write is refused and the session keeps its old data.
 */
export function recordTooLarge(store: string, bytes: number, limit: number): RangeError {
  return new RangeError(
    `${store}: this session record is ${bytes} bytes, over the store's maxRecordBytes (${limit}); ` +
      'the write was refused and the session keeps its previous data. Keep less in the session, or raise maxRecordBytes.',
  );
}

/** Throws {@link recordTooLarge} when `text` (a record's JSON) is over `limit` bytes. */
export function assertRecordSize(store: string, text: string, limit: number): void {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most records need no count.
  if (text.length * 3 <= limit) return;
  const bytes = utf8Length(text);
  if (bytes > limit) throw recordTooLarge(store, bytes, limit);
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
  // Records are never mutated once made: a patch that leaves the flash alone shares it.
  const flash: Record<string, unknown> =
    patch.unset || patch.consumed || patch.flash ? { ...record.flash } : record.flash;
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
  // A session kept by "sign out everywhere else" stays kept through later writes.
  if (record.keptAt !== undefined) next.keptAt = record.keptAt;
  if (persistent) next.persistent = true;
  if (idleMs !== undefined) next.idleMs = idleMs;
  if (absoluteMs !== undefined) next.absoluteMs = absoluteMs;
  if (record.meta !== undefined) next.meta = record.meta;
  // Only the DBSC registration endpoint binds a session; every write keeps it.
  if (record.deviceBound !== undefined) next.deviceBound = record.deviceBound;
  const rotation = rotated(record.rotation, patch.rotate);
  if (rotation !== undefined) next.rotation = rotation;
  return next;
}

/**
 * The rotation state after a `rotate` op: moved on only from the value the
 * op names, so a second request rotating the same value (to the same derived
 * next one) changes nothing, and one that lost a race never moves it back.
 */
function rotated(
  state: SessionRotation | undefined,
  op: SessionPatch['rotate'],
): SessionRotation | undefined {
  if (op === undefined || (state?.current ?? '') !== op.from) return state;
  return { current: op.to, previous: op.from, at: op.at };
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
  if (record.deviceBound !== undefined) info.deviceBound = true;
  if (record.rotation !== undefined) info.rotatedAt = record.rotation.at;
  return info;
}
