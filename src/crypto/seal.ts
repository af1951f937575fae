/**
 * Sealed values (format v1, see docs/FORMATS.md): JSON encrypted with
 * AES-256-GCM under the keyring's first key.
 *
 *   base64url( 0x01 | idLen | id | IV (12 random bytes) | ciphertext ‖ tag (16) )
 *   plaintext = flags | [expiry u48 s] | JSON (UTF-8)
 *   AAD       = domain tag | 0x01 | idLen | id | len(name) | name
 *
 * A fresh 96-bit IV per seal (NIST SP 800-38D §8.2.2 random construction); the
 * key id travels in clear so unsealing picks the key without trial decryption.
 */
import { decodeBase64url, encodeBase64urlPair } from './base64url.ts';
import {
  concatBytes,
  expirySeconds,
  fromUtf8,
  isWellFormedText,
  readUint48,
  utf8,
  utf8Encoder,
  writeUint48,
  type Bytes,
} from './bytes.ts';
import { keyringImpl, type DerivedKey, type Keyring, type KeyringImpl } from './keyring.ts';
import { checkOptionNames } from '../util/options.ts';
import { clockReading, type SignOptions, type VerifyOptions } from './sign.ts';
import { parseJson } from '../util/parse-json.ts';

/** Options for {@link seal}. */
export interface SealOptions extends SignOptions {
  /**
   * Longest sealed text to produce; a longer one throws. Default
   * {@link MAX_SEALED_LENGTH}. Give `unseal` the same value.
   */
  maxLength?: number;
}
/** Options for {@link unseal}. */
export interface UnsealOptions extends VerifyOptions {
  /** Longest sealed text worth decrypting; longer input is refused. Default {@link MAX_SEALED_LENGTH}. */
  maxLength?: number;
}

const VERSION = 1;
const HAS_EXPIRY = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/**
 * Default longest sealed text: `unseal` refuses longer input before any
 * crypto, and `seal` refuses to produce it, so whatever it returns unseals.
 */
export const MAX_SEALED_LENGTH = 16384;
const DOMAIN = utf8('tessera/sealed/v1\u0000');

function additionalData(version: number, idBytes: Uint8Array, name: string): Bytes {
  const nameBytes = utf8(name);
  return concatBytes(DOMAIN, Uint8Array.of(version, idBytes.length), idBytes, nameBytes.length, nameBytes);
}

// The AAD last used: a server seals and unseals under one key for one cookie
// name, and Web Crypto copies the buffer it is given, so one can be reused.
// Keyed by the key's own id bytes (the same bytes the sealed value names).
let lastAad: { idBytes: Uint8Array; name: string; aad: Bytes } | undefined;

function aadFor(idBytes: Uint8Array, name: string): Bytes {
  if (lastAad === undefined || lastAad.idBytes !== idBytes || lastAad.name !== name)
    lastAad = { idBytes, name, aad: additionalData(VERSION, idBytes, name) };
  return lastAad.aad;
}

// IVs come from a pool of random bytes filled by one crypto.getRandomValues
// call per 256 seals: on Node each call has a fixed cost of several
// microseconds, more than the rest of a small seal (Node's randomUUID pools
// its entropy the same way). Each IV is still 96 fresh bits from the
// platform's CSPRNG, handed out once; IVs are public (they travel in clear).
const IV_POOL_BYTES = IV_BYTES * 256;
let ivPool: Uint8Array<ArrayBuffer> | undefined;
let ivAt = IV_POOL_BYTES;

/** Copies the next unused random IV into `target` at `offset`. */
function takeIv(target: Uint8Array, offset: number): void {
  if (ivAt === IV_POOL_BYTES) {
    // Filled on first use, never at module load (workerd refuses randomness outside a request).
    crypto.getRandomValues((ivPool ??= new Uint8Array(IV_POOL_BYTES)));
    ivAt = 0;
  }
  target.set(ivPool!.subarray(ivAt, ivAt + IV_BYTES), offset);
  ivAt += IV_BYTES;
}

// The plaintext is laid out in one reused buffer: encrypt() takes a copy of
// its data before it returns (W3C Web Crypto, SubtleCrypto.encrypt: "getting
// a copy of the bytes held by the data parameter"; the IV and AAD are copied
// likewise), and nothing else runs in between. A fresh buffer per seal cost
// two allocations outside the JS heap. A larger plaintext gets its own buffer.
const SCRATCH_BYTES = 16384;
let plaintextScratch: Bytes | undefined;

/**
 * Encrypts JSON-serializable `data` for the cookie `name`. The result is
 * base64url text, safe as a cookie value.
 *
 * @throws TypeError when `data` has no JSON form (undefined, a function).
 */
export async function seal(
  keyring: Keyring,
  name: string,
  data: unknown,
  options: SealOptions = {},
): Promise<string> {
  const ring = keyringImpl(keyring, 'seal');
  if (!isWellFormedText(name)) throw new TypeError('seal: name must be a well-formed string');
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError('seal: data must be JSON-serializable');
  checkOptionNames('seal', options, ['expires', 'maxLength']);
  const expiry = options.expires === undefined ? undefined : expirySeconds(options.expires, 'seal');
  const sealed = await sealJson(ring, name, json, expiry);
  const maxLength = options.maxLength ?? MAX_SEALED_LENGTH;
  if (sealed.length > maxLength) {
    throw new TypeError(
      `seal: the sealed value would be ${sealed.length} characters, over maxLength (${maxLength})`,
    );
  }
  return sealed;
}

/**
 * @internal {@link seal} for callers that checked their input: `name` is
 * well-formed, `json` is JSON text, `expiry` is in seconds (or none), and no
 * length limit. Remembers the result, as seal does.
 */
export async function sealJson(
  ring: KeyringImpl,
  name: string,
  json: string,
  expiry: number | undefined,
): Promise<string> {
  const keys = ring.keys();
  const key: DerivedKey = (Array.isArray(keys) ? keys : await keys)[0]!;

  // flags | [expiry] | JSON as UTF-8, written straight into the buffer (at
  // most 3 bytes per UTF-16 unit).
  const start = expiry === undefined ? 1 : 7;
  const room = start + json.length * 3;
  const buffer =
    room <= SCRATCH_BYTES ? (plaintextScratch ??= new Uint8Array(SCRATCH_BYTES)) : new Uint8Array(room);
  buffer[0] = expiry === undefined ? 0 : HAS_EXPIRY;
  if (expiry !== undefined) writeUint48(buffer, 1, expiry);
  const { written } = utf8Encoder.encodeInto(json, buffer.subarray(start));
  const plaintext = buffer.subarray(0, start + written);

  // version | idLen | id | IV, then as many ciphertext bytes as make its
  // length a multiple of 3, so that it and the rest of the ciphertext encode
  // one after the other as one base64url text (no joined copy of the output).
  const headerLength = 2 + key.idBytes.length;
  const ivEnd = headerLength + IV_BYTES;
  const carried = (3 - (ivEnd % 3)) % 3;
  const head = new Uint8Array(ivEnd + carried);
  head[0] = VERSION;
  head[1] = key.idBytes.length;
  head.set(key.idBytes, 2);
  takeIv(head, headerLength);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: head.subarray(headerLength, ivEnd),
        additionalData: aadFor(key.idBytes, name),
        // tagLength left at its default, 128 bits (TAG_BYTES): the same tag, and
        // Node's Web Crypto converts one dictionary member less per call.
      },
      key.seal,
      plaintext,
    ),
  );
  // The ciphertext is at least the 16-byte tag, longer than `carried`.
  head.set(ciphertext.subarray(0, carried), ivEnd);
  const sealed = encodeBase64urlPair(head, ciphertext.subarray(carried));
  ring.sealedMemo.set(sealed, name, json, expiry === undefined ? Infinity : expiry * 1000);
  return sealed;
}

/**
 * Decrypts a sealed value for the cookie `name`. Resolves to the data, or
 * `null` when it is malformed, tampered, expired, sealed for another cookie
 * or by a key no longer in the ring. Never throws on untrusted input.
 * (A sealed `null` also unseals to `null`.)
 */
export async function unseal(
  keyring: Keyring,
  name: string,
  sealed: string,
  options: UnsealOptions = {},
): Promise<unknown> {
  keyringImpl(keyring, 'unseal');
  return unsealAt(keyring, name, sealed, clockReading(options, 'unseal'), options.maxLength);
}

/**
 * @internal {@link unsealAt} without waiting: the data when `sealed` was
 * sealed or opened under this keyring before (the memo), null when it can
 * never open, and undefined when only decrypting it can tell.
 */
export function unsealRemembered(
  keyring: Keyring,
  name: string,
  sealed: string,
  now: number,
  maxLength = MAX_SEALED_LENGTH,
): unknown {
  const ring = keyringImpl(keyring, 'unseal');
  if (typeof sealed !== 'string' || !isWellFormedText(name) || sealed.length > maxLength) return null;
  const remembered = ring.sealedMemo.get(sealed, name, now);
  return remembered === undefined ? undefined : parseJson(remembered);
}

/** @internal {@link unseal} at the time `now` (ms), for the engine's clock reading. */
export async function unsealAt(
  keyring: Keyring,
  name: string,
  sealed: string,
  now: number,
  maxLength = MAX_SEALED_LENGTH,
): Promise<unknown> {
  const known = unsealRemembered(keyring, name, sealed, now, maxLength);
  if (known !== undefined) return known;
  const ring = keyringImpl(keyring, 'unseal');

  const bytes = decodeBase64url(sealed);
  if (bytes === null || bytes.length < 2 || bytes[0] !== VERSION) return null;
  const idLength = bytes[1]!;
  const headerLength = 2 + idLength;
  if (idLength === 0 || bytes.length < headerLength + IV_BYTES + TAG_BYTES + 1) return null;
  const idBytes = bytes.subarray(2, headerLength);
  const keys = ring.keys();
  if (!Array.isArray(keys)) await keys; // derived on first use only
  const candidates = ring.keysWithId(String.fromCharCode(...idBytes));
  if (candidates === undefined) return null;

  const iv = bytes.subarray(headerLength, headerLength + IV_BYTES);
  const ciphertext = bytes.subarray(headerLength + IV_BYTES);
  for (const key of candidates) {
    let plaintext: Uint8Array;
    try {
      plaintext = new Uint8Array(
        await crypto.subtle.decrypt(
          // The key's id bytes are the ones the value names (that is how it was found).
          { name: 'AES-GCM', iv, additionalData: aadFor(key.idBytes, name) }, // tagLength: the default 128 bits (TAG_BYTES)
          key.seal,
          ciphertext,
        ),
      );
    } catch {
      continue; // authentication failed under this key
    }
    return openPlaintext(ring, sealed, name, plaintext, now);
  }
  return null;
}

function openPlaintext(
  ring: ReturnType<typeof keyringImpl>,
  sealed: string,
  name: string,
  plaintext: Uint8Array,
  now: number,
): unknown {
  const flags = plaintext[0];
  const hasExpiry = flags === HAS_EXPIRY;
  if (flags !== 0 && !hasExpiry) return null;
  const bodyStart = hasExpiry ? 7 : 1;
  if (plaintext.length < bodyStart) return null;
  const expiresAt = hasExpiry ? readUint48(plaintext, 1) * 1000 : Infinity;
  if (now >= expiresAt) return null;
  const json = fromUtf8(plaintext.subarray(bodyStart));
  if (json === null) return null;
  let data: unknown;
  try {
    data = parseJson(json);
  } catch {
    return null;
  }
  ring.sealedMemo.set(sealed, name, json, expiresAt);
  return data;
}
