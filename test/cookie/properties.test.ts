import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getCookie, parseCookies, serializeCookie } from '../../src/index.ts';

const RUNS = 10_000;
const TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const tokenName = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 24 });
// Cookie-ish text: the separators and whitespace that matter plus any code unit.
const cookieText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(';', '=', ' ', '\t', '"', '%', 'a', 'b', '\u00a0', '\u0001'),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 80,
});

describe('cookie properties', () => {
  it('parseCookies never throws and returns a null-prototype record', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), cookieText), (header) => {
        expect(Object.getPrototypeOf(parseCookies(header))).toBe(null);
      }),
      { numRuns: RUNS },
    );
  });

  it('serialize then parse returns the value for any token name and well-formed string', () => {
    fc.assert(
      fc.property(tokenName, fc.string({ unit: 'grapheme' }), (name, value) => {
        const pair = serializeCookie(name, value).split(';')[0]!;
        expect(parseCookies(pair)[name]).toBe(value);
      }),
      { numRuns: RUNS },
    );
  });

  it('getCookie agrees with the parseCookies lookup', () => {
    const names = fc.oneof(tokenName, fc.constantFrom('a', 'b', 'a b', ' a', '\u00a0a', '=', ''));
    fc.assert(
      fc.property(cookieText, fc.array(names, { maxLength: 4 }), (header, extraNames) => {
        const parsed = parseCookies(header);
        for (const name of [...Object.keys(parsed), ...extraNames]) {
          expect(getCookie(header, name)).toBe(parsed[name]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('percent-decoding', () => {
  it('decodeCookieValue equals decodeURIComponent, or the raw value where that throws', async () => {
    const { decodeCookieValue } = await import('../../src/cookie/parse.ts');
    const escape = fc
      .tuple(fc.constantFrom(...'0123456789abcdefABCDEFgZ%'), fc.constantFrom(...'0123456789abcdefABCDEFgZ%'))
      .map(([a, b]) => `%${a}${b}`);
    const text = fc
      .array(fc.oneof(escape, fc.constantFrom('%', 'a', '%E2%82%AC', '%F0%9F', ' ')), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'binary' })), (raw) => {
        let expected: string;
        try {
          expected = decodeURIComponent(raw);
        } catch {
          expected = raw;
        }
        expect(decodeCookieValue(raw)).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
