import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COOKIE_PURPOSES,
  createCookie,
  declaredPurpose,
  globalPrivacyControl,
  isDeletion,
  readSetCookie,
  serializeCookie,
  serializeDeletion,
  setCookie,
} from '../../src/index.ts';
import { MAX_DECLARED_COOKIES } from '../../src/cookie/purpose.ts';

describe('cookie purposes', () => {
  it('setCookie declares the purpose of the name and writes the line without it', () => {
    const headers = new Headers();
    const line = setCookie(headers, 'p_track', '1', { purpose: 'analytics', path: '/' });
    expect(line).toBe('p_track=1; Path=/');
    expect(headers.getSetCookie()).toEqual(['p_track=1; Path=/']);
    expect(declaredPurpose('p_track')).toBe('analytics');
    setCookie(headers, 'host', '1', { purpose: 'preferences', prefix: 'host' });
    expect(declaredPurpose('__Host-host')).toBe('preferences');
    expect(declaredPurpose('p_never')).toBeUndefined();
    setCookie(headers, 'p_plain', '1', {}); // no purpose: nothing declared
    expect(declaredPurpose('p_plain')).toBeUndefined();
  });

  it('one name, one purpose: a second purpose for a name throws and writes nothing', () => {
    const headers = new Headers();
    setCookie(headers, 'p_once', '1', { purpose: 'marketing' });
    setCookie(headers, 'p_once', '2', { purpose: 'marketing' }); // the same again is fine
    expect(() => setCookie(headers, 'p_once', '3', { purpose: 'analytics' })).toThrow(
      /setCookie: cookie "p_once" is already declared with purpose "marketing", not "analytics"/,
    );
    expect(() => createCookie('p_once', { purpose: 'preferences' })).toThrow(/createCookie: cookie "p_once"/);
    expect(headers.getSetCookie()).toEqual(['p_once=2']);
  });

  it('refuses a purpose that is not one, naming the option', () => {
    expect(() => setCookie(new Headers(), 'p_bad', '1', { purpose: 'tracking' as 'analytics' })).toThrow(
      /setCookie: option purpose must be one of "necessary", "preferences", "analytics", "marketing"/,
    );
    expect(() => createCookie('p_bad2', { purpose: 'ads' as 'marketing' })).toThrow(
      /createCookie: option purpose/,
    );
    expect(COOKIE_PURPOSES).toEqual(['necessary', 'preferences', 'analytics', 'marketing']);
  });

  it('createCookie exposes purpose, description and attributes; necessary by default', () => {
    const theme = createCookie('p_theme', { purpose: 'preferences', description: 'Your theme', maxAge: 60 });
    expect(theme).toMatchObject({
      purpose: 'preferences',
      description: 'Your theme',
      attributes: { maxAge: 60 },
    });
    expect(declaredPurpose('p_theme')).toBe('preferences');
    const plain = createCookie('p_untagged');
    expect(plain.purpose).toBe('necessary');
    expect(declaredPurpose('p_untagged')).toBeUndefined(); // undeclared, which counts as necessary
    expect(() => createCookie('p_desc', { description: 3 as unknown as string })).toThrow(
      /option description/,
    );
  });

  it('names are bounded: names built from input would grow the registry', () => {
    const headers = new Headers();
    expect(() => {
      for (let i = 0; i <= MAX_DECLARED_COOKIES; i++)
        setCookie(headers, `p_many_${i}`, '1', { purpose: 'analytics' });
    }).toThrow(/cookie names must not be built from input/);
  });
});

describe('readSetCookie and isDeletion', () => {
  it('reads name, value, Domain (lower case, no dot), Path, the last attribute winning', () => {
    expect(readSetCookie(' a = b ; Domain=.Example.COM; Path=/x; path=/y; Max-Age=5')).toEqual({
      name: 'a',
      value: 'b',
      domain: 'example.com',
      path: '/y',
      maxAge: '5',
      expires: undefined,
    });
    expect(readSetCookie('novalue')).toMatchObject({ name: 'novalue', value: '' });
  });

  it('a deletion is Max-Age ≤ 0, or an Expires in the past without a valid Max-Age', () => {
    const now = Date.UTC(2025, 0, 1);
    const deletion = (line: string) => isDeletion(readSetCookie(line), now);
    expect(deletion(serializeDeletion('a', { path: '/' }))).toBe(true);
    expect(deletion('a=; Max-Age=-1')).toBe(true);
    expect(deletion('a=1; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT')).toBe(false); // Max-Age wins
    expect(deletion('a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT')).toBe(true);
    expect(deletion('a=; Max-Age=soon; Expires=Thu, 01 Jan 1970 00:00:00 GMT')).toBe(true);
    expect(deletion('a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT')).toBe(false);
    expect(deletion('a=1; Expires=not a date')).toBe(false);
    expect(deletion('a=1')).toBe(false);
  });

  it('never throws, and reads back what serializeCookie writes', () => {
    const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const name = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (line) => {
        readSetCookie(line);
        isDeletion(readSetCookie(line));
      }),
    );
    fc.assert(
      fc.property(
        name,
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, value, maxAge) => {
          const parsed = readSetCookie(serializeCookie(n, value, { path: '/p', maxAge }));
          expect(parsed).toMatchObject({ name: n, path: '/p', maxAge: String(maxAge) });
          expect(isDeletion(parsed)).toBe(maxAge === 0);
        },
      ),
    );
  });
});

describe('globalPrivacyControl', () => {
  const withHeader = (value: string | string[]) => {
    const headers = new Headers();
    for (const v of [value].flat()) headers.append('Sec-GPC', v);
    return new Request('https://example.com/', { headers });
  };

  it('is on for exactly "1" (surrounding whitespace is not part of a header value)', () => {
    expect(globalPrivacyControl(withHeader('1'))).toBe(true);
    expect(globalPrivacyControl(withHeader(' 1\t'))).toBe(true);
    expect(globalPrivacyControl(withHeader('1').headers)).toBe(true);
  });

  it('is off without the header and for any other value', () => {
    expect(globalPrivacyControl(new Request('https://example.com/'))).toBe(false);
    for (const value of ['0', '', 'true', 'yes', '01', '1.0', '1;', 'on', ['1', '1'], ['1', '0']])
      expect(globalPrivacyControl(withHeader(value)), JSON.stringify(value)).toBe(false);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }).filter((v) => v.trim() !== '1'),
        (value) => {
          let headers: Headers;
          try {
            headers = new Headers({ 'sec-gpc': value });
          } catch {
            return; // not a header value at all
          }
          expect(globalPrivacyControl(headers)).toBe(false);
        },
      ),
    );
  });
});
