import { describe, expect, it } from 'vitest';
import { getCookie, parseCookies } from '../../src/index.ts';
import { parseVectors, topCookieHeaders } from '../vectors.ts';

/** Own entries in insertion order: compares records without touching prototypes. */
function entries(record: Record<string, string>): [string, string][] {
  return Object.keys(record).map((key) => [key, record[key]!]);
}

describe('parseCookies: shared vectors', () => {
  for (const vector of parseVectors) {
    it(vector.note, () => {
      const parsed = parseCookies(vector.header);
      expect(Object.getPrototypeOf(parsed)).toBe(null);
      expect(entries(parsed)).toEqual(entries(vector.expected));
      for (const name of Object.keys(vector.expected)) {
        expect(getCookie(vector.header, name), `getCookie ${JSON.stringify(name)}`).toBe(
          vector.expected[name],
        );
      }
    });
  }
});

describe('parseCookies: top-site headers', () => {
  const sites = Object.entries(topCookieHeaders);
  it('has all 17 headers', () => expect(sites).toHaveLength(17));
  for (const [site, header] of sites) {
    it(`parses ${site} and getCookie agrees for every name and for absent names`, () => {
      const parsed = parseCookies(header);
      const names = Object.keys(parsed);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(getCookie(header, name)).toBe(parsed[name]);
      for (const absent of ['absent', 'nope', `${names[0]}x`, `x${names[0]}`, names[0]!.slice(1)]) {
        expect(getCookie(header, absent)).toBe(parsed[absent]);
      }
    });
  }
});

describe('parseCookies: edge cases', () => {
  it('treats non-strings as empty', () => {
    expect(entries(parseCookies(undefined))).toEqual([]);
    expect(entries(parseCookies(null))).toEqual([]);
    expect(entries(parseCookies(42 as unknown as string))).toEqual([]);
  });

  it('skips a pair with a control character but keeps a later one of the same name', () => {
    const header = 'sid=a\u0001b; sid=good';
    expect(parseCookies(header).sid).toBe('good');
    expect(getCookie(header, 'sid')).toBe('good');
  });

  it('finds a control character at any offset of a long header (the check runs eight characters a step)', () => {
    for (const bad of ['\u0001', '\u001f', '\u007f', '\u0000']) {
      for (let at = 0; at < 40; at++) {
        const header = `a=${'x'.repeat(at)}${bad}y; b=${'z'.repeat(at)}`;
        expect(entries(parseCookies(header)), `${JSON.stringify(bad)} after ${at}`).toEqual([
          ['b', 'z'.repeat(at)],
        ]);
      }
    }
    // HTAB and non-ASCII are not control characters here: the slower check passes them.
    expect(entries(parseCookies(`a=${'x'.repeat(20)}\té; b=1`))).toEqual([
      ['a', `${'x'.repeat(20)}\té`],
      ['b', '1'],
    ]);
  });

  it('names like Object.prototype members are own properties', () => {
    const parsed = parseCookies('__proto__=1; toString=2; constructor=3; hasOwnProperty=4');
    expect(entries(parsed)).toEqual([
      ['__proto__', '1'],
      ['toString', '2'],
      ['constructor', '3'],
      ['hasOwnProperty', '4'],
    ]);
    expect(Object.getPrototypeOf(parsed)).toBe(null);
  });

  it('keeps values whose decoding yields a control character (the app encoded it)', () => {
    expect(parseCookies('a=%01').a).toBe('\u0001');
  });

  it('reuses = lookups across =-less segments', () => {
    expect(entries(parseCookies('a;b;c;d=1;e'))).toEqual([['d', '1']]);
  });
});

describe('getCookie', () => {
  const request = new Request('https://example.com/', { headers: { cookie: 'a=1; sid=abc; b=2' } });

  it('reads from a Request, Headers or a string', () => {
    expect(getCookie(request, 'sid')).toBe('abc');
    expect(getCookie(request.headers, 'sid')).toBe('abc');
    expect(getCookie('sid=abc', 'sid')).toBe('abc');
  });

  it('returns undefined with no cookie header or for absent names', () => {
    expect(getCookie(new Request('https://example.com/'), 'sid')).toBeUndefined();
    expect(getCookie(request, 'si')).toBeUndefined();
    expect(getCookie(request, 'id')).toBeUndefined();
    expect(getCookie(null, 'sid')).toBeUndefined();
  });

  it('never matches a name inside another name or a value', () => {
    expect(getCookie('xsid=1; a=sid=2', 'sid')).toBeUndefined();
    expect(getCookie('a=1 sid=2', 'sid')).toBeUndefined();
  });

  it('refuses names that parseCookies could never produce', () => {
    for (const name of ['', ' sid', 'sid ', 'a=b', 'a;b', 'a\u0000']) {
      expect(getCookie(' sid=1; a=b=c', name)).toBeUndefined();
    }
  });

  it('does not let look-alike whitespace shadow a name', () => {
    expect(getCookie('\u00a0__Host-sid=evil; __Host-sid=good', '__Host-sid')).toBe('good');
    expect(getCookie('\u00a0__Host-sid=evil', '__Host-sid')).toBeUndefined();
  });
});
