import { describe, expect, it } from 'vitest';
import { getCookie, parseCookies } from '../../src/index.ts';

// Generous bound: the point is to catch quadratic behaviour (seconds), not to time.
const BOUND_MS = 250;

function elapsed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const headers: Record<string, string> = {
  '65 535 semicolons': ';'.repeat(65_535),
  '65 535 spaces': ' '.repeat(65_535),
  '65 535 equals signs': '='.repeat(65_535),
  '1 MB value': `a=${'x'.repeat(1024 * 1024)}`,
  '1 MB value ending in a control character': `a=${'x'.repeat(1024 * 1024)}\u0001`,
  '1 MB of =-less segments then a pair': `${'ab;'.repeat(349_525)}z=1`,
  '10 000 pairs': Array.from({ length: 10_000 }, (_, i) => `name${i}=value${i}`).join('; '),
  '10 000 repeats of one name': Array.from({ length: 10_000 }, () => 'sid=x\u0001').join('; '),
};

describe('parsing is linear', () => {
  for (const [label, header] of Object.entries(headers)) {
    it(`${label}: parseCookies and getCookie stay under ${BOUND_MS} ms`, () => {
      expect(elapsed(() => parseCookies(header))).toBeLessThan(BOUND_MS);
      expect(elapsed(() => getCookie(header, 'sid'))).toBeLessThan(BOUND_MS);
      expect(elapsed(() => getCookie(header, 'name9999'))).toBeLessThan(BOUND_MS);
    });
  }

  it('10 000 pairs all come back', () => {
    const parsed = parseCookies(headers['10 000 pairs']);
    expect(Object.keys(parsed)).toHaveLength(10_000);
    expect(parsed.name9999).toBe('value9999');
  });
});
