/**
 * Signed values (format v1, see docs/FORMATS.md):
 *
 *   value "." base64url( 0x01 | flags | idLen | id | [expiry u48 s] | HMAC-SHA-256 )
 *
 * The MAC covers a domain tag, the trailer fields, the cookie name and the
 * value, so a value can neither be moved to another cookie nor outlive its
 * expiry. Parsing splits at the last `.`; any deviation fails.
 */
import { decodeBase64url, encodeBase64url } from './base64url.ts';
import {
  concatBytes,
  expirySeconds,
  isWellFormedText,
  readUint48,
  utf8,
  writeUint48,
  type Bytes,
} from './bytes.ts';
import { keyringImpl, type DerivedKey, type Keyring } from './keyring.ts';
import { checkOptionNames, warnOnce } from '../util/options.ts';

/** Options for {@link sign}. */
export interface SignOptions {
  /** After this instant `verify` refuses the value. */
  expires?: Date;
}

/** Options for {@link verify}. */
export interface VerifyOptions {
  /**
   * The clock, in ms since the epoch (default `Date.now`), for tests: a
   * function, as everywhere else in Tessera. A number (the time itself) is
   * deprecated: accepted, with a warning, until the next minor release.
   */
  now?: (() => number) | number;
}

/** The time `options.now` gives; a number is the deprecated spelling. */
export function clockReading(options: VerifyOptions, caller: string): number {
  checkOptionNames(caller, options, caller === 'verify' ? ['now'] : ['now', 'maxLength']);
  const now: unknown = options.now;
  if (now === undefined) return Date.now();
  if (typeof now === 'function') return now() as number;
  if (typeof now === 'number') {
    warnOnce(
      `${caller}:now`,
      `tesserajs: ${caller}: option now as a number is deprecated and will be refused in the next minor release; ` +
        'pass a function: { now: () => time } (see docs/migrating.md)',
    );
    return now;
  }
  throw new TypeError(`${caller}: option now must be a function returning ms since the epoch`);
}

const VERSION = 1;
const HAS_EXPIRY = 1;
const MAC_BYTES = 32;
/**
 * Longest signed text `verify` looks at (a cookie value can't be longer); `sign`
 * refuses to produce a longer one, so whatever it returns verifies.
 */
export const MAX_SIGNED_LENGTH = 8192;
const DOMAIN = utf8('tessera/signed/v1\u0000');

/** Bytes the MAC is computed over: domain ‖ trailer header ‖ len(name) ‖ name ‖ value. */
function macInput(header: Uint8Array, name: string, value: string): Bytes {
  const nameBytes = utf8(name);
  return concatBytes(DOMAIN, header, nameBytes.length, nameBytes, utf8(value));
}

function trailerHeader(key: DerivedKey, expiry: number | undefined): Uint8Array {
  const header = new Uint8Array(3 + key.idBytes.length + (expiry === undefined ? 0 : 6));
  header[0] = VERSION;
  header[1] = expiry === undefined ? 0 : HAS_EXPIRY;
  header[2] = key.idBytes.length;
  header.set(key.idBytes, 3);
  if (expiry !== undefined) writeUint48(header, 3 + key.idBytes.length, expiry);
  return header;
}

/**
 * Signs `value` for the cookie `name` with the keyring's first key.
 * Resolves to `value.trailer`; the value itself stays readable.
 */
export async function sign(
  keyring: Keyring,
  name: string,
  value: string,
  options: SignOptions = {},
): Promise<string> {
  const ring = keyringImpl(keyring, 'sign');
  if (!isWellFormedText(name) || !isWellFormedText(value)) {
    throw new TypeError('sign: name and value must be well-formed strings (no lone surrogates)');
  }
  checkOptionNames('sign', options, ['expires']);
  const expiry = options.expires === undefined ? undefined : expirySeconds(options.expires, 'sign');
  const key = (await ring.keys())[0]!;
  const header = trailerHeader(key, expiry);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key.sign, macInput(header, name, value)));
  const trailer = new Uint8Array(header.length + MAC_BYTES);
  trailer.set(header);
  trailer.set(mac, header.length);
  const signed = `${value}.${encodeBase64url(trailer)}`;
  if (signed.length > MAX_SIGNED_LENGTH) {
    throw new TypeError(
      `sign: the signed value would be ${signed.length} characters, over MAX_SIGNED_LENGTH (${MAX_SIGNED_LENGTH})`,
    );
  }
  // We just produced it, so it is valid: the next request carrying it skips the MAC.
  ring.signedMemo.set(signed, name, value, expiry === undefined ? Infinity : expiry * 1000);
  return signed;
}

/**
 * The value of a signed text this keyring produced or verified before (and
 * that has not expired), without any crypto and synchronously; `undefined`
 * when it is not remembered — then call {@link verify}. For hot paths.
 */
export function verifyRemembered(
  keyring: Keyring,
  name: string,
  signed: string,
  now: number,
): string | undefined {
  return keyringImpl(keyring, 'verifyRemembered').signedMemo.get(signed, name, now);
}

/**
 * Checks a signed value for the cookie `name`. Resolves to the value, or
 * `null` when it is malformed, tampered, expired, made for another cookie,
 * or signed by a key no longer in the ring. Never throws on untrusted input.
 */
export async function verify(
  keyring: Keyring,
  name: string,
  signed: string,
  options: VerifyOptions = {},
): Promise<string | null> {
  keyringImpl(keyring, 'verify');
  return verifyAt(keyring, name, signed, clockReading(options, 'verify'));
}

/** @internal {@link verify} at the time `now` (ms): the engine's clock reading, without an options object. */
export async function verifyAt(
  keyring: Keyring,
  name: string,
  signed: string,
  now: number,
): Promise<string | null> {
  const ring = keyringImpl(keyring, 'verify');
  if (typeof signed !== 'string' || typeof name !== 'string' || signed.length > MAX_SIGNED_LENGTH)
    return null;
  const remembered = ring.signedMemo.get(signed, name, now);
  if (remembered !== undefined) return remembered;

  const dot = signed.lastIndexOf('.');
  if (dot === -1) return null;
  const trailer = decodeBase64url(signed.slice(dot + 1));
  if (trailer === null || trailer.length < 4 + MAC_BYTES || trailer[0] !== VERSION) return null;
  const flags = trailer[1]!;
  const idLength = trailer[2]!;
  const hasExpiry = flags === HAS_EXPIRY;
  if ((flags !== 0 && !hasExpiry) || idLength === 0) return null;
  const headerLength = 3 + idLength + (hasExpiry ? 6 : 0);
  if (trailer.length !== headerLength + MAC_BYTES) return null;

  const id = String.fromCharCode(...trailer.subarray(3, 3 + idLength));
  await ring.keys();
  const candidates = ring.keysWithId(id);
  if (candidates === undefined) return null;
  let expiresAt = Infinity;
  if (hasExpiry) {
    expiresAt = readUint48(trailer, 3 + idLength) * 1000;
    if (now >= expiresAt) return null;
  }
  const value = signed.slice(0, dot);
  if (!isWellFormedText(value) || !isWellFormedText(name)) return null;
  const data = macInput(trailer.subarray(0, headerLength), name, value);
  const mac = trailer.subarray(headerLength);
  for (const key of candidates) {
    // Constant-time comparison inside Web Crypto; never compare MACs as strings.
    if (await crypto.subtle.verify('HMAC', key.sign, mac, data)) {
      ring.signedMemo.set(signed, name, value, expiresAt);
      return value;
    }
  }
  return null;
}
