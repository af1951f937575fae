import { describe, expect, it } from 'vitest';
import {
  MAX_COOKIE_AGE_SECONDS,
  parseCookies,
  serializeCookie,
  type CookieOptions,
} from '../../src/index.ts';
import { serializeVectors, type SerializeVector } from '../vectors.ts';

const DAY = 24 * 60 * 60 * 1000;

/** Turns the JSON stand-ins described in the vectors README into real values. */
function optionsOf(vector: SerializeVector): CookieOptions {
  const { expiresInDays, ...rest } = vector.options as Record<string, unknown> & { expiresInDays?: number };
  const options: Record<string, unknown> = { ...rest };
  if (options.maxAge === 'NaN') options.maxAge = Number.NaN;
  if (options.expires === 'Invalid Date') options.expires = new Date(Number.NaN);
  if (expiresInDays !== undefined) options.expires = new Date(Date.now() + expiresInDays * DAY);
  return options as CookieOptions;
}

describe('serializeCookie: shared vectors', () => {
  for (const vector of serializeVectors.throws) {
    it(`throws: ${vector.note}`, () => {
      expect(() => serializeCookie(vector.name, vector.value, optionsOf(vector))).toThrow(TypeError);
    });
  }
  for (const vector of serializeVectors.accepts) {
    it(`accepts: ${vector.note}`, () => {
      const line = serializeCookie(vector.name, vector.value, optionsOf(vector));
      expect(line.startsWith(`${vector.name}=`)).toBe(true);
      expect(parseCookies(line.split(';')[0])[vector.name]).toBe(vector.value);
    });
  }
});

describe('serializeCookie', () => {
  it('writes every attribute in canonical form', () => {
    const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
    const realNow = Date.now;
    Date.now = () => Date.UTC(2029, 11, 1);
    try {
      expect(
        serializeCookie('id', 'a1', {
          maxAge: 3600,
          domain: 'example.com',
          path: '/app',
          expires,
          httpOnly: true,
          secure: true,
          sameSite: 'none',
          partitioned: true,
          priority: 'high',
        }),
      ).toBe(
        'id=a1; Max-Age=3600; Domain=example.com; Path=/app; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=None; Partitioned; Priority=High',
      );
    } finally {
      Date.now = realNow;
    }
  });

  it('names the offending option in the message', () => {
    expect(() => serializeCookie('a', 'v', { path: '/x;y' })).toThrow(/option path/);
    expect(() => serializeCookie('a', 'v', { domain: 'a b' })).toThrow(/option domain/);
    expect(() => serializeCookie('a', 'v', { maxAge: -1 })).toThrow(/option maxAge/);
    expect(() => serializeCookie('a', 'v', { sameSite: 'None' })).toThrow(/sameSite/);
    expect(() => serializeCookie('a b', 'v')).toThrow(/name/);
  });

  it('encodes values outside cookie-octets and the % sign', () => {
    expect(serializeCookie('a', 'x y;z')).toBe('a=x%20y%3Bz');
    expect(serializeCookie('a', '100%')).toBe('a=100%25');
    expect(serializeCookie('a', 'b64/x+y==')).toBe('a=b64/x+y==');
    expect(serializeCookie('a', '"q"')).toBe('a=%22q%22');
  });

  it('rejects Object.prototype names as enumerated values', () => {
    for (const bad of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => serializeCookie('a', 'v', { sameSite: bad as 'Lax', secure: true })).toThrow(
        /option sameSite must be one of Strict, Lax, None/,
      );
      expect(() => serializeCookie('a', 'v', { priority: bad as 'Low' })).toThrow(/option priority/);
    }
  });

  it('remembers valid names, domains and paths without accepting bad ones later', () => {
    for (let i = 0; i < 300; i++) serializeCookie(`n${i}`, 'v', { domain: `d${i}.example`, path: `/p${i}` });
    expect(() => serializeCookie('a b', 'v')).toThrow(/name/);
    expect(() => serializeCookie('a', 'v', { domain: 'a b' })).toThrow(/option domain/);
    expect(() => serializeCookie('a', 'v', { path: 'x' })).toThrow(/option path/);
    expect(serializeCookie('n1', 'v', { domain: 'd1.example', path: '/p1' })).toBe(
      'n1=v; Domain=d1.example; Path=/p1',
    );
  });

  it('rejects lone surrogates with a TypeError', () => {
    expect(() => serializeCookie('a', '\ud800')).toThrow(TypeError);
  });

  it('accepts Max-Age up to 400 days and Expires in the past', () => {
    expect(serializeCookie('a', 'v', { maxAge: MAX_COOKIE_AGE_SECONDS })).toContain('Max-Age=34560000');
    expect(serializeCookie('a', 'v', { expires: new Date(0) })).toContain(
      'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
  });

  it('rejects non-ASCII attribute values', () => {
    expect(() => serializeCookie('a', 'v', { path: '/caf\u00e9' })).toThrow(/option path/);
  });

  describe('prefixes', () => {
    it('prefix: "host" adds __Host-, Secure and Path=/', () => {
      expect(serializeCookie('sid', 'v', { prefix: 'host', httpOnly: true })).toBe(
        '__Host-sid=v; Path=/; HttpOnly; Secure',
      );
    });
    it('prefix: "secure" adds __Secure- and Secure', () => {
      expect(serializeCookie('sid', 'v', { prefix: 'secure', domain: 'example.com' })).toBe(
        '__Secure-sid=v; Domain=example.com; Secure',
      );
    });
    it('prefix rules still throw on contrary options', () => {
      expect(() => serializeCookie('sid', 'v', { prefix: 'host', secure: false })).toThrow(/Secure|secure/);
      expect(() => serializeCookie('sid', 'v', { prefix: 'host', domain: 'example.com' })).toThrow(/domain/);
      expect(() => serializeCookie('sid', 'v', { prefix: 'host', path: '/x' })).toThrow(/path/);
      expect(() => serializeCookie('sid', 'v', { prefix: 'other' as 'host' })).toThrow(/prefix/);
    });
    it('a __Host- name without a path gets Path=/', () => {
      expect(serializeCookie('__Host-a', 'v', { secure: true })).toBe('__Host-a=v; Path=/; Secure');
    });
    it('__Http- requires Secure and HttpOnly, matched case-insensitively', () => {
      expect(serializeCookie('__Http-a', 'v', { secure: true, httpOnly: true })).toBe(
        '__Http-a=v; HttpOnly; Secure',
      );
      expect(() => serializeCookie('__Http-a', 'v', { secure: true })).toThrow(
        /__Http- cookie requires httpOnly/,
      );
      expect(() => serializeCookie('__hTTp-a', 'v', { secure: true, httpOnly: false })).toThrow(/httpOnly/);
      expect(() => serializeCookie('__http-a', 'v', { httpOnly: true })).toThrow(/secure/);
    });
    it('__Host-Http- requires Secure, HttpOnly, Path=/ and no Domain', () => {
      expect(serializeCookie('__Host-Http-a', 'v', { secure: true, httpOnly: true })).toBe(
        '__Host-Http-a=v; Path=/; HttpOnly; Secure',
      );
      expect(() => serializeCookie('__Host-Http-a', 'v', { secure: true })).toThrow(
        /__Host-Http- cookie requires httpOnly/,
      );
      expect(() =>
        serializeCookie('__host-http-a', 'v', { secure: true, httpOnly: true, domain: 'example.com' }),
      ).toThrow(/domain/);
      expect(() =>
        serializeCookie('__HOST-HTTP-a', 'v', { secure: true, httpOnly: true, path: '/x' }),
      ).toThrow(/path/);
    });
  });

  it('rejects Expires before the year 1601 (browsers ignore such dates)', () => {
    expect(() =>
      serializeCookie('a', 'v', { expires: new Date(Date.UTC(1600, 11, 31, 23, 59, 59)) }),
    ).toThrow(/option expires.*1601/);
    expect(() => serializeCookie('a', 'v', { expires: new Date(-62198755200000) })).toThrow(/1601/); // year -0001
    expect(serializeCookie('a', 'v', { expires: new Date(Date.UTC(1601, 0, 1)) })).toContain(
      'Expires=Mon, 01 Jan 1601 00:00:00 GMT',
    );
  });
});
