/** RFC 6265bis §5.1.1 cookie-date parsing: what a browser makes of an Expires value. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCookieDate } from '../../src/cookie/date.ts';
import { isDeletion, readSetCookie } from '../../src/cookie/set-cookie-line.ts';

describe('parseCookieDate', () => {
  it('reads the dates servers send, in every format browsers accept', () => {
    const instant = Date.UTC(2030, 0, 2, 3, 4, 5);
    for (const text of [
      'Wed, 02 Jan 2030 03:04:05 GMT',
      'Wednesday, 02-Jan-30 03:04:05 GMT',
      'Wed Jan  2 03:04:05 2030',
      '2 jan 2030 3:4:5',
      '03:04:05 02 JANUARY 2030',
    ])
      expect(parseCookieDate(text), text).toBe(instant);
    expect(parseCookieDate('Thu, 01 Jan 1970 00:00:00 GMT')).toBe(0);
    expect(parseCookieDate('01 Jan 69 00:00:00')).toBe(Date.UTC(2069, 0, 1));
    expect(parseCookieDate('01 Jan 70 00:00:00')).toBe(Date.UTC(1970, 0, 1));
  });

  it('gives no date where Date.parse finds one: 0, ISO dates, a missing part, an impossible day', () => {
    for (const text of [
      '0',
      '1970-01-01',
      '1970-01-01T00:00:00Z',
      'Thu, 01 Jan 1970',
      '32 Jan 2030 00:00:00',
      '30 Feb 2030 00:00:00',
      '01 Jan 1600 00:00:00',
      '01 Jan 2030 24:00:00',
      '',
    ])
      expect(parseCookieDate(text), text).toBeNull();
  });

  it('never throws and gives a valid instant or null (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const parsed = parseCookieDate(text);
        expect(parsed === null || Number.isFinite(parsed)).toBe(true);
      }),
    );
  });
});

describe('isDeletion', () => {
  it('an Expires a browser cannot parse sets a session cookie: not a deletion', () => {
    for (const expires of ['0', '1970-01-01'])
      expect(isDeletion(readSetCookie(`ad=1; Expires=${expires}`)), expires).toBe(false);
    expect(isDeletion(readSetCookie('ad=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'))).toBe(true);
    expect(isDeletion(readSetCookie('ad=; Max-Age=0; Expires=Wed, 02 Jan 2999 03:04:05 GMT'))).toBe(true);
  });
});
