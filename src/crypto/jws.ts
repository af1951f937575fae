/**
 * Compact JWS (RFC 7515) verification with Web Crypto, for the two
 * algorithms Device Bound Session Credentials use: ES256 (ECDSA P-256,
 * SHA-256, the signature as raw r‖s, RFC 7518 §3.4 — what Web Crypto's
 * ECDSA produces) and RS256 (RSASSA-PKCS1-v1_5, SHA-256, RFC 7518 §3.3).
 * Keys come as public JWKs (RFC 7517). Everything here reads untrusted
 * input: nothing throws, anything malformed is `null` or `false`.
 */
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import { fromUtf8, utf8, type Bytes } from './bytes.ts';
import { parseJson } from '../util/parse-json.ts';
import { BoundedMap } from '../util/bounded-map.ts';

/** The JWS algorithms verified here. */
export type JwsAlgorithm = 'ES256' | 'RS256';

/** A public key as a JWK, with only the members that define it (RFC 7638 §3.2). */
export type PublicJwk =
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string };

/** A compact JWS split and decoded, not yet verified. */
export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`: the bytes the signature covers. */
  signingInput: Bytes;
  signature: Bytes;
}

/** Longest JWS looked at: a proof with an RSA-4096 key is about 2 KB. */
export const MAX_JWS_LENGTH = 8192;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** The JSON object a base64url part holds, or null. */
function jsonPart(part: string): Record<string, unknown> | null {
  const bytes = decodeBase64url(part);
  const text = bytes === null ? null : fromUtf8(bytes);
  if (text === null) return null;
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * Splits a compact JWS into its header, payload and signature (RFC 7515
 * §7.1): exactly three parts, each canonical unpadded base64url, header and
 * payload JSON objects. Null for anything else, never throws.
 */
export function parseCompactJws(text: unknown): ParsedJws | null {
  if (typeof text !== 'string' || text.length > MAX_JWS_LENGTH) return null;
  const parts = text.split('.');
  if (parts.length !== 3 || !parts.every((part) => part !== '' && B64URL.test(part))) return null;
  const header = jsonPart(parts[0]!);
  const payload = jsonPart(parts[1]!);
  const sig = decodeBase64url(parts[2]!);
  if (header === null || payload === null || sig === null) return null;
  return { header, payload, signingInput: utf8(`${parts[0]}.${parts[1]}`), signature: sig };
}

/** base64url text decoding to `min`..`max` bytes. */
function b64Member(value: unknown, min: number, max: number): value is string {
  if (typeof value !== 'string') return false;
  const bytes = decodeBase64url(value);
  return bytes !== null && bytes.length >= min && bytes.length <= max;
}

/** Members of a private JWK (RFC 7518 §6.2.2, §6.3.2): a key with any of them is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * The public key in `value` for `alg`, reduced to its defining members, or
 * null: ES256 needs an EC P-256 key with 32-byte coordinates, RS256 an RSA
 * key of 2048 to 4096 bits (NIST SP 800-131A: no shorter). A JWK carrying
 * private members, or naming another `alg`, is refused.
 */
export function publicJwkOf(value: unknown, alg: JwsAlgorithm): PublicJwk | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return null;
  if (jwk.alg !== undefined && jwk.alg !== alg) return null;
  if (alg === 'ES256') {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !b64Member(jwk.x, 32, 32) || !b64Member(jwk.y, 32, 32))
      return null;
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (jwk.kty !== 'RSA' || !b64Member(jwk.n, 256, 512) || !b64Member(jwk.e, 1, 8)) return null;
  // A leading zero byte would make the modulus look longer than it is (RFC 7518 §6.3.1.1).
  if (decodeBase64url(jwk.n)![0] === 0) return null;
  return { kty: 'RSA', n: jwk.n, e: jwk.e };
}

/** The JSON text a JWK thumbprint hashes (RFC 7638 §3.3): required members, sorted, no spaces. */
export function thumbprintInput(jwk: PublicJwk): string {
  return jwk.kty === 'EC'
    ? `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`
    : `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
}

/** The JWK thumbprint (RFC 7638) of a public key: base64url SHA-256, as DBSC's `provider_key`. */
export async function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8(thumbprintInput(jwk)));
  return encodeBase64url(new Uint8Array(digest));
}

const IMPORT: Record<JwsAlgorithm, Parameters<SubtleCrypto['importKey']>[2]> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};
const VERIFY: Record<JwsAlgorithm, Parameters<SubtleCrypto['verify']>[0]> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
};

/**
 * Imported keys by algorithm and thumbprint input: a key verifies every few
 * minutes for as long as its session lives, so it is imported once per
 * process, not per request. Bounded: the keys come from clients.
 */
const imported = new BoundedMap<string, Promise<CryptoKey | null>>(1024);

/** The Web Crypto key for `jwk`, imported once; null when Web Crypto refuses it. */
function verifyKey(jwk: PublicJwk, alg: JwsAlgorithm): Promise<CryptoKey | null> {
  const id = `${alg} ${thumbprintInput(jwk)}`;
  let key = imported.get(id);
  if (key === undefined) {
    key = crypto.subtle.importKey('jwk', { ...jwk, ext: true }, IMPORT[alg], false, ['verify']).then(
      (made) => made,
      () => null,
    );
    imported.set(id, key);
  }
  return key;
}

/**
 * Whether `jws` carries a valid `alg` signature by `jwk`. The signature
 * length is checked first: ES256 is exactly 64 bytes (r‖s, RFC 7518 §3.4,
 * never DER), RS256 as long as the modulus. False, never a throw, otherwise.
 */
export async function verifyJws(jws: ParsedJws, jwk: PublicJwk, alg: JwsAlgorithm): Promise<boolean> {
  if (alg === 'ES256' ? jwk.kty !== 'EC' : jwk.kty !== 'RSA') return false;
  const expected = jwk.kty === 'EC' ? 64 : decodeBase64url(jwk.n)!.length;
  if (jws.signature.length !== expected) return false;
  const key = await verifyKey(jwk, alg);
  if (key === null) return false;
  try {
    return await crypto.subtle.verify(VERIFY[alg], key, jws.signature, jws.signingInput);
  } catch {
    return false;
  }
}
