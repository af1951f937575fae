/**
 * The column values PostgresStore computes on the client: `sweep_at` (the
 * expiry rounded up to the minute, once computed in SQL as
 * `ceil(expiry / 60000.0) * 60000`) and the pooled random row versions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newVersion, sweepAt, until } from '../../../src/stores/postgres/values.ts';

/** The minute at or after `until(ms)`, in exact integers. */
function reference(ms: number): string {
  const expiry = BigInt(until(ms));
  const minutes = expiry / 60_000n + (expiry % 60_000n > 0n ? 1n : 0n);
  return String(minutes * 60_000n);
}

describe('sweepAt', () => {
  it('rounds the expiry up to the minute, in exact integers', () => {
    expect(sweepAt(1_764_948_000_000)).toBe('1764948000000');
    expect(sweepAt(1_764_948_000_000.5)).toBe('1764948060000');
    expect(sweepAt(1_764_948_000_001)).toBe('1764948060000');
    expect(sweepAt(1_764_948_059_999)).toBe('1764948060000');
    expect(sweepAt(0)).toBe('0');
    expect(sweepAt(-1)).toBe('0');
    expect(sweepAt(-60_001)).toBe('-60000');
    expect(sweepAt(Number.MAX_SAFE_INTEGER - 60_000)).toBe(reference(Number.MAX_SAFE_INTEGER - 60_000));
  });

  it('matches exact integer arithmetic on any time', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
          fc.double({ min: -1e15, max: 1e15, noNaN: true }),
          fc.integer({ min: 0, max: 2 ** 31 }).map((minute) => minute * 60_000),
        ),
        (ms) => {
          expect(sweepAt(ms)).toBe(reference(ms));
        },
      ),
    );
  });
});

describe('newVersion', () => {
  it('gives 52-bit decimal versions, distinct across several pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const version = newVersion();
      expect(version).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(Number(version)).toBeLessThan(2 ** 52);
      seen.add(version);
    }
    expect(seen.size).toBe(2000);
  });
});
