/**
 * Compact JWS verification (src/crypto/jws.ts): ES256 and RS256 from Web
 * Crypto keys, strict parsing, public JWKs only, RFC 7638 thumbprints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase64url } from '../../src/crypto/base64url.ts';
import {
  jwkThumbprint,
  parseCompactJws,
  publicJwkOf,
  thumbprintInput,
  verifyJws,
  type PublicJwk,
} from '../../src/crypto/jws.ts';
import { makeKeys, publicJwk, signJws } from '../session/dbsc-browser.ts';

const b64 = (value: unknown) => encodeBase64url(new TextEncoder().encode(JSON.stringify(value)));

async function verified(jws: string, jwk: Record<string, string>, alg: 'ES256' | 'RS256') {
  const parsed = parseCompactJws(jws);
  const key = publicJwkOf(jwk, alg);
  return parsed !== null && key !== null && (await verifyJws(parsed, key, alg));
}

describe('verifyJws', () => {
  it('verifies ES256 (raw r‖s) and RS256 signatures made with Web Crypto', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const keys = await makeKeys(alg);
      const jws = await signJws(keys, alg, { typ: 'dbsc+jwt' }, { jti: 'c' });
      expect(await verified(jws, await publicJwk(keys), alg)).toBe(true);
      // Another key, or the other algorithm, does not verify it.
      expect(await verified(jws, await publicJwk(await makeKeys(alg)), alg)).toBe(false);
      expect(await verified(jws, await publicJwk(keys), alg === 'ES256' ? 'RS256' : 'ES256')).toBe(false);
    }
  });

  it('refuses any change to header, payload or signature (property)', async () => {
    const keys = await makeKeys('ES256');
    const jwk = await publicJwk(keys);
    const jws = await signJws(keys, 'ES256', { typ: 'dbsc+jwt' }, { jti: 'challenge' });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: jws.length - 1 }),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.='),
        async (at, char) => {
          fc.pre(jws[at] !== char);
          const changed = jws.slice(0, at) + char + jws.slice(at + 1);
          expect(await verified(changed, jwk, 'ES256')).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a DER-encoded or truncated ECDSA signature', async () => {
    const keys = await makeKeys('ES256');
    const jws = await signJws(keys, 'ES256', {}, { jti: 'c' });
    const [h, p, s] = jws.split('.');
    const raw = Uint8Array.from(atob(s!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const der = new Uint8Array([0x30, 0x44, 0x02, 0x20, ...raw.slice(0, 32), 0x02, 0x20, ...raw.slice(32)]);
    expect(await verified(`${h}.${p}.${encodeBase64url(der)}`, await publicJwk(keys), 'ES256')).toBe(false);
    expect(
      await verified(`${h}.${p}.${encodeBase64url(raw.slice(0, 63))}`, await publicJwk(keys), 'ES256'),
    ).toBe(false);
  });
});

describe('parseCompactJws', () => {
  it('takes exactly three canonical base64url parts holding JSON objects', () => {
    const h = b64({ alg: 'ES256' });
    const p = b64({ jti: 'x' });
    expect(parseCompactJws(`${h}.${p}.AAAA`)).toMatchObject({
      header: { alg: 'ES256' },
      payload: { jti: 'x' },
    });
    for (const bad of [
      `${h}.${p}`,
      `${h}.${p}.AAAA.AAAA`,
      `${h}.${p}.`,
      `.${p}.AAAA`,
      `${h}=.${p}.AAAA`,
      `${h}.${p}.AAA=`,
      `${h}.${p}.AB`, // non-canonical: trailing bits set
      `${b64([1])}.${p}.AAAA`,
      `${b64('text')}.${p}.AAAA`,
      `${encodeBase64url(new Uint8Array([0xff, 0xfe]))}.${p}.AAAA`,
      `${h}.${p}.AA AA`,
      'a'.repeat(9000),
      42,
      null,
    ]) {
      expect(parseCompactJws(bad), String(bad)).toBeNull();
    }
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_.-]{0,60}$/)), (text) => {
        parseCompactJws(text);
      }),
    );
  });
});

describe('publicJwkOf', () => {
  it('keeps only the defining members of a P-256 or RSA public key', async () => {
    const ec = await publicJwk(await makeKeys('ES256'));
    expect(publicJwkOf({ ...ec, kid: 'k', use: 'sig', alg: 'ES256' }, 'ES256')).toEqual(ec);
    const rsa = await publicJwk(await makeKeys('RS256'));
    expect(publicJwkOf({ ...rsa, ext: true }, 'RS256')).toEqual(rsa);
  });

  it('refuses private keys, other curves, short coordinates, small RSA moduli and mismatched alg', async () => {
    const ec = await publicJwk(await makeKeys('ES256'));
    const rsa = await publicJwk(await makeKeys('RS256'));
    for (const [jwk, alg] of [
      [{ ...ec, d: 'AAAA' }, 'ES256'],
      [{ ...ec, crv: 'P-384' }, 'ES256'],
      [{ ...ec, x: ec.x!.slice(0, 42) }, 'ES256'],
      [{ ...ec, kty: 'RSA' }, 'ES256'],
      [{ ...ec, alg: 'RS256' }, 'ES256'],
      [ec, 'RS256'],
      [{ ...rsa, p: 'AAAA' }, 'RS256'],
      [{ ...rsa, n: encodeBase64url(new Uint8Array(128).fill(0xc1)) }, 'RS256'],
      [{ ...rsa, n: encodeBase64url(new Uint8Array([0, ...new Uint8Array(256).fill(0xc1)])) }, 'RS256'],
      [rsa, 'ES256'],
      [null, 'ES256'],
      [[ec], 'ES256'],
      ['jwk', 'ES256'],
    ] as const) {
      expect(publicJwkOf(jwk, alg), JSON.stringify(jwk)).toBeNull();
    }
  });
});

describe('JWK thumbprints (RFC 7638)', () => {
  it('hash the required members in order; the RFC 7638 §3.1 example', async () => {
    // RFC 7638 §3.1: the RSA key and its thumbprint.
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const rsa: PublicJwk = { kty: 'RSA', n, e: 'AQAB' };
    expect(thumbprintInput(rsa)).toBe(`{"e":"AQAB","kty":"RSA","n":"${n}"}`);
    expect(await jwkThumbprint(rsa)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    const ec = (await publicJwk(await makeKeys('ES256'))) as PublicJwk & { kty: 'EC' };
    expect(thumbprintInput(ec)).toBe(`{"crv":"P-256","kty":"EC","x":"${ec.x}","y":"${ec.y}"}`);
  });
});
