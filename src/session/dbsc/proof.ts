/**
 * DBSC proofs (DBSC #format-jwt): a JWS whose header has
 * `typ: "dbsc+jwt"`, an `alg` the server offered and, at registration, the
 * new public key as `jwk`; whose payload has the challenge as `jti`.
 * Untrusted input: every check fails to null, nothing throws.
 */
import {
  parseCompactJws,
  publicJwkOf,
  thumbprintInput,
  verifyJws,
  type JwsAlgorithm,
  type ParsedJws,
  type PublicJwk,
} from '../../crypto/jws.ts';
import type { DeviceBinding } from '../types.ts';

/** The `typ` of a DBSC proof (DBSC #format-jwt: it MUST be "dbsc+jwt"). */
export const PROOF_TYPE = 'dbsc+jwt';

interface Read {
  jws: ParsedJws;
  alg: JwsAlgorithm;
  challenge: string;
}

/**
 * The checks every proof passes before its signature is looked at: three
 * base64url parts, `typ`, an offered `alg` (so never `none`: a session bound
 * to no key would be bound to nothing), no `crit` extension we would have to
 * understand (RFC 7515 §4.1.11), a string `jti`, an `aud` — Chromium sent
 * one in earlier drafts — that names this endpoint, and an `exp` still
 * ahead, when present.
 */
function read(
  text: string,
  algorithms: readonly JwsAlgorithm[],
  audience: readonly string[],
  now: number,
): Read | null {
  const jws = parseCompactJws(text);
  if (jws === null) return null;
  const { typ, alg, crit } = jws.header;
  if (typ !== PROOF_TYPE || crit !== undefined) return null;
  if (!algorithms.includes(alg as JwsAlgorithm)) return null;
  const { jti, aud, exp } = jws.payload;
  if (typeof jti !== 'string') return null;
  if (aud !== undefined && !audience.includes(aud as string)) return null;
  // The draft's proofs carry no expiry (their challenge's lifetime bounds
  // them); one that does is refused once it passed (RFC 7519 §4.1.4).
  if (exp !== undefined && !(typeof exp === 'number' && now < exp * 1000)) return null;
  return { jws, alg: alg as JwsAlgorithm, challenge: jti };
}

/** A registration proof's key and challenge, once it verifies under the key it carries. */
export interface RegistrationProof {
  alg: JwsAlgorithm;
  key: PublicJwk;
  challenge: string;
}

/**
 * A registration proof, verified against the key it carries: `jwk` in the
 * header (the current draft), or `key` in the payload (earlier drafts); when
 * both are there they must be the same key.
 */
export async function registrationProof(
  text: string,
  algorithms: readonly JwsAlgorithm[],
  audience: readonly string[],
  now: number,
): Promise<RegistrationProof | null> {
  const proof = read(text, algorithms, audience, now);
  if (proof === null) return null;
  const { header, payload } = proof.jws;
  const fromHeader = header.jwk === undefined ? undefined : publicJwkOf(header.jwk, proof.alg);
  const fromPayload = payload.key === undefined ? undefined : publicJwkOf(payload.key, proof.alg);
  const key = fromHeader ?? fromPayload;
  if (key == null || fromHeader === null || fromPayload === null) return null;
  if (fromHeader && fromPayload && thumbprintInput(fromHeader) !== thumbprintInput(fromPayload)) return null;
  if (!(await verifyJws(proof.jws, key, proof.alg))) return null;
  return { alg: proof.alg, key, challenge: proof.challenge };
}

/**
 * A refresh proof's challenge, once it verifies under the session's
 * registered key with the registered algorithm. A refresh proof carries no
 * key (DBSC #format-jwt); one that does must carry the registered one (compared by
 * RFC 7638 thumbprint input), never a new one.
 */
export async function refreshProof(
  text: string,
  binding: DeviceBinding,
  audience: readonly string[],
  now: number,
): Promise<string | null> {
  const proof = read(text, [binding.alg], audience, now);
  if (proof === null) return null;
  const { header } = proof.jws;
  if (header.jwk !== undefined) {
    const sent = publicJwkOf(header.jwk, proof.alg);
    if (sent === null || thumbprintInput(sent) !== thumbprintInput(binding.key)) return null;
  }
  return (await verifyJws(proof.jws, binding.key, binding.alg)) ? proof.challenge : null;
}
