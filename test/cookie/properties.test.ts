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

/**
 * The rules of the README written the slow, obvious way: split on `;`, first
 * `=`, SP/HTAB trim, drop pairs with a control character or an empty name,
 * first occurrence wins, one pair of DQUOTEs stripped, `%XX` decoded only when
 * the whole value decodes.
 */
function referenceParse(header: string, decode = true): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const trim = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');
  for (const segment of header.split(';')) {
    const eq = segment.indexOf('=');
    if (eq === -1) continue;
    const name = trim(segment.slice(0, eq));
    if (name === '' || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(segment) || seen.has(name)) continue;
    seen.add(name);
    let value = trim(segment.slice(eq + 1));
    if (decode) {
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      try {
        value = decodeURIComponent(value);
      } catch {
        // kept raw
      }
    }
    out.push([name, value]);
  }
  return out;
}

describe('cookie parsing agrees with a reference implementation of the rules', () => {
  // Headers built from the pieces that trip parsers: whitespace and its
  // look-alikes, separators, quotes, escapes good and bad, control
  // characters, names that repeat, hide inside other names, are empty, or are
  // Object.prototype keys.
  const piece = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(' ', '\t', '\u00a0', ';', '; ', '=', '"', '%') },
    { weight: 4, arbitrary: fc.constantFrom('%41', '%22', '%E2%82%AC', '%E2%82', '%zz', '%4') },
    { weight: 3, arbitrary: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\r', '\n') },
    { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'sid', '__Host-sid', 'Host-sid', '_', '-', 'x') },
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'toString', 'constructor') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  );
  const text = (max: number) => fc.array(piece, { maxLength: max }).map((pieces) => pieces.join(''));
  const ows = fc.constantFrom('', ' ', '\t', ' \t ', '\u00a0');
  const pairName = fc.oneof(
    fc.constantFrom('a', 'b', 'sid', '__Host-sid', 'Host-sid', '__proto__', ''),
    text(3),
  );
  // Mostly pair-shaped segments, so that names repeat and pairs survive often.
  const segment = fc
    .tuple(ows, pairName, ows, fc.constantFrom('=', '=', '', '=='), ows, text(6), ows)
    .map((parts) => parts.join(''));
  const header = fc.oneof(
    fc
      .tuple(fc.array(segment, { maxLength: 8 }), fc.constantFrom(';', '; ', ';;', ';\t'))
      .map(([segments, separator]) => segments.join(separator)),
    text(40),
  );
  const names = [
    'a',
    'b',
    'sid',
    '__Host-sid',
    'Host-sid',
    '_',
    '-',
    'x',
    '__proto__',
    'toString',
    'a b',
    ' a',
    '\u00a0a',
    '=',
    '',
    'a\u0001',
  ];

  it('parseCookies: same pairs in the same order, decoded and as sent; null prototype', () => {
    fc.assert(
      fc.property(header, (text) => {
        for (const decode of [true, false]) {
          const parsed = parseCookies(text, { decode });
          expect(Object.getPrototypeOf(parsed)).toBe(null);
          expect(Object.keys(parsed).map((key) => [key, parsed[key]])).toEqual(referenceParse(text, decode));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('getCookie: same value as the reference for present, absent and impossible names', () => {
    fc.assert(
      fc.property(header, fc.array(fc.constantFrom(...names), { maxLength: 4 }), (text, extra) => {
        for (const decode of [true, false]) {
          const expected = new Map(referenceParse(text, decode));
          for (const name of [...expected.keys(), ...extra]) {
            expect(getCookie(text, name, { decode }), JSON.stringify(name)).toBe(expected.get(name));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
