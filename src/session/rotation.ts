/**
 * Id rotation with reuse detection (the manager's `rotation` option). The
 * session cookie carries the session's id — its locator: the store key, the
 * handle, the devices list never change — and a validator that the server
 * replaces every `every` seconds. The replaced value is accepted for `grace`
 * seconds (requests in flight, other tabs); presented later it means two
 * parties hold the cookie — a thief and its owner — and the whole session
 * ends (OWASP Session Management: renew the session id; RFC 9700 §4.14.2,
 * refresh token rotation with reuse detection, applied to the cookie).
 *
 * The next validator is derived, not random: HMAC(purpose key, locator ‖
 * current), so two requests rotating at once compute the same value and
 * write the same state: one winner, and neither is flagged, on every store.
 *
 * Validators are stored as they are, not hashed: the record sits under
 * SHA-256 of the locator, which the store never sees, and a cookie needs
 * the locator, the validator and a signature made with the secret — a store
 * dump yields none of the first and last. They are compared in constant
 * time all the same.
 */
import { encodeBase64url } from '../crypto/base64url.ts';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { keyringImpl, type Keyring } from '../crypto/keyring.ts';
import { checkOptionNames, isOptionsObject } from '../util/options.ts';
import type { SessionRecord, SessionRotation } from './types.ts';

/** Options of the manager's `rotation` option, in seconds. */
export interface RotationOptions {
  /**
   * Age of a session's current cookie value after which its next request
   * gets a new one (data and timestamps kept). Required; at least 2.
   */
  every: number;
  /**
   * How long the value a rotation replaced keeps working: for requests
   * already in flight and other tabs that sent it. Presented later it ends
   * the whole session and fires `reuseDetected`. Must be shorter than
   * `every`. Default 60, or `every - 1` when `every` is 60 or less.
   */
  grace?: number;
}

/** Resolved rotation settings, in ms. */
export interface RotationPolicy {
  everyMs: number;
  graceMs: number;
}

/** Validates the `rotation` option; every message names it. */
export function rotationPolicyOf(option: RotationOptions | undefined): RotationPolicy | undefined {
  if (option === undefined) return undefined;
  if (!isOptionsObject(option)) {
    throw new TypeError('createSessionManager: option rotation must be an object { every, grace } (seconds)');
  }
  checkOptionNames('createSessionManager', option, ['every', 'grace'], {}, 'rotation.');
  const { every, grace } = option;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 2) {
    throw new TypeError(
      'createSessionManager: option rotation.every must be a whole number of seconds, at least 2',
    );
  }
  const graceSeconds = grace ?? Math.min(60, every - 1);
  if (typeof graceSeconds !== 'number' || !Number.isInteger(graceSeconds) || graceSeconds < 1) {
    throw new TypeError(
      'createSessionManager: option rotation.grace must be a positive whole number of seconds',
    );
  }
  // A value two rotations old could otherwise still be in grace, and be flagged.
  if (graceSeconds >= every) {
    throw new TypeError(
      `createSessionManager: option rotation.grace (${graceSeconds} s) must be shorter than rotation.every (${every} s)`,
    );
  }
  return { everyMs: every * 1000, graceMs: graceSeconds * 1000 };
}

/** The value the session cookie signs for `record`: the id, and its current validator when rotating. */
export function tokenValue(id: string, record: SessionRecord): string {
  const current = record.rotation?.current;
  return current ? `${id}.${current}` : id;
}

/** A random first validator for a new session. */
export function newValidator(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(32)));
}

const DOMAIN = utf8('tessera/rotation/v1\u0000');

/** The validator that follows `current` for session `id`: the same for every request that computes it. */
export async function nextValidator(keyring: Keyring, id: string, current: string): Promise<string> {
  const key = await keyringImpl(keyring, 'rotation').purposeKey('rotation');
  const idBytes = utf8(id);
  const mac = await crypto.subtle.sign(
    'HMAC',
    key,
    concatBytes(DOMAIN, idBytes.length, idBytes, utf8(current)),
  );
  return encodeBase64url(new Uint8Array(mac));
}

/** The rotation state of a record, when it has a well-formed one. */
export function rotationOf(record: SessionRecord): SessionRotation | undefined {
  const state = record.rotation;
  return typeof state === 'object' &&
    state !== null &&
    typeof state.current === 'string' &&
    typeof state.at === 'number'
    ? state
    : undefined;
}

/** Constant-time string comparison (the length of a validator is public). */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * What the validator a request carries says about its session at `now`:
 * `current` (the value it should carry), `grace` (the value the last rotation
 * replaced, within grace: served, never rotated, no cookie set), or `reuse`
 * (anything else: an older value, the replaced one after grace, none where
 * the session has rotation state). A record without rotation state (made
 * before rotation was on) accepts any validator: its first rotation starts it.
 */
export function judge(
  record: SessionRecord,
  validator: string,
  now: number,
  policy: RotationPolicy,
): 'current' | 'grace' | 'reuse' {
  const state = rotationOf(record);
  if (state === undefined || same(validator, state.current)) return 'current';
  if (state.previous !== undefined && same(validator, state.previous) && now < state.at + policy.graceMs)
    return 'grace';
  return 'reuse';
}

/** Whether a session whose cookie carries its current value is due a new one at `now`. */
export function isRotationDue(record: SessionRecord, now: number, policy: RotationPolicy): boolean {
  return now >= (rotationOf(record)?.at ?? record.createdAt) + policy.everyMs;
}
