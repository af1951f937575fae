/**
 * The consent record: which purposes a visitor granted, when, and under which
 * version of the cookie policy. It travels as the signed JSON value of the
 * consent cookie: `{"v":"2025-06","p":["preferences"],"t":1750000000000}`.
 */
import { CONSENT_PURPOSES, isConsentPurpose, type ConsentPurpose } from '../cookie/purpose.ts';

/** A visitor's recorded choice. */
export interface ConsentRecord {
  /** The purposes granted (never `necessary`, which needs no consent); empty when the visitor declined all. */
  readonly purposes: readonly ConsentPurpose[];
  /** When the choice was recorded, in ms since the epoch. */
  readonly at: number;
  /** The policy version it was given under. */
  readonly policyVersion: string;
}

/** The record as stored in the cookie. */
export interface ConsentWire {
  v: string;
  p: ConsentPurpose[];
  t: number;
}

/** The granted purposes among `purposes`, once each, in the order of `CONSENT_PURPOSES`; anything else is ignored. */
export function consentPurposesOf(purposes: Iterable<unknown>): ConsentPurpose[] {
  const wanted = new Set<unknown>(purposes);
  return CONSENT_PURPOSES.filter((purpose) => wanted.has(purpose));
}

export function toWire(record: ConsentRecord): ConsentWire {
  return { v: record.policyVersion, p: [...record.purposes], t: record.at };
}

/**
 * The record in a verified cookie value, or `null` when its shape is wrong or
 * it was given under another policy version: that counts as no consent
 * (ePrivacy art. 5(3) asks for consent to what the visitor was told).
 */
export function fromWire(value: unknown, policyVersion: string): ConsentRecord | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { v, p, t } = value as Partial<Record<keyof ConsentWire, unknown>>;
  if (v !== policyVersion || !Array.isArray(p) || !p.every(isConsentPurpose)) return null;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) return null;
  return { purposes: consentPurposesOf(p), at: t, policyVersion };
}
