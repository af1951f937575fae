/** Records, patches and keys for the server-store tests (Redis, PostgreSQL): the same shapes the engine writes. */
import type { SessionPatch, SessionRecord } from '../../src/index.ts';

export const HOUR = 3_600_000;

let n = 0;
/** A fresh session key, 43 characters like the engine's. */
export const freshKey = (label: string): string => `${label}-${n++}-`.padEnd(43, 'x');

/** A fresh number for names that must not repeat within a test run. */
export const freshNumber = (): number => n++;

export const record = (t: number, data: Record<string, unknown> = {}, userId?: string): SessionRecord => ({
  data,
  flash: {},
  createdAt: t,
  lastSeenAt: t,
  expiresAt: t + HOUR,
  ...(userId === undefined ? {} : { userId }),
});

export const patch = (t: number, changes: Partial<SessionPatch> = {}): SessionPatch => ({
  now: t,
  idleMs: HOUR,
  absoluteMs: 24 * HOUR,
  userField: 'userId',
  ...changes,
});
