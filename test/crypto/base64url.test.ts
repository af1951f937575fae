import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../../src/index.ts';
import { encodeBase64urlPair } from '../../src/crypto/base64url.ts';

describe('base64url', () => {
  it('matches RFC 4648 test vectors (unpadded, URL alphabet)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of cases) {
      expect(encodeBase64url(new TextEncoder().encode(text))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase64url(encoded)!)).toBe(text);
    }
    expect(encodeBase64url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe('-__-');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes two parts as their concatenation (the first a multiple of 3 bytes long)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 60 }).map((head) => head.subarray(0, head.length - (head.length % 3))),
        fc.uint8Array({ maxLength: 13_000 }),
        (head, tail) => {
          const joined = new Uint8Array(head.length + tail.length);
          joined.set(head);
          joined.set(tail, head.length);
          expect(encodeBase64urlPair(head, tail)).toBe(encodeBase64url(joined));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes long inputs (several encoding chunks) as btoa does, to the character', () => {
    const reference = (bytes: Uint8Array) => {
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    };
    for (const length of [6143, 6144, 6145, 6146, 12_288, 20_000, 65_537]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 151 + 7) & 255);
      const encoded = encodeBase64url(bytes);
      expect(encoded, `${length} bytes`).toBe(reference(bytes));
      expect(decodeBase64url(encoded)).toEqual(bytes);
    }
  });

  it('rejects padding, the standard alphabet, impossible lengths and non-canonical tails', () => {
    for (const bad of ['Zg==', 'Zm8=', '+/+/', 'Z', 'Zm9vY', 'Zh', 'Zm9', 'Zm 9v', 'Zm9v\u00ff']) {
      expect(decodeBase64url(bad), bad).toBeNull();
    }
  });

  it('never throws and only accepts canonical text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const bytes = decodeBase64url(text);
        if (bytes !== null) expect(encodeBase64url(bytes)).toBe(text);
      }),
      { numRuns: 10_000 },
    );
  });
});
