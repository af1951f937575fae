/** Small byte helpers shared by the signed and sealed formats. */

export const utf8Encoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF as data rather than silently dropping it.
export const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes backed by a plain ArrayBuffer: what Web Crypto's `BufferSource` accepts in every lib. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Encodes text as UTF-8; lone surrogates become U+FFFD as in TextEncoder. */
export function utf8(text: string): Bytes {
  return utf8Encoder.encode(text) as Bytes;
}

/** Decodes strict UTF-8, `null` when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Writes `value` (a non-negative integer below 2^48) as 6 big-endian bytes. */
export function writeUint48(target: Uint8Array, offset: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  target[offset] = high >>> 8;
  target[offset + 1] = high & 255;
  target[offset + 2] = low >>> 24;
  target[offset + 3] = (low >>> 16) & 255;
  target[offset + 4] = (low >>> 8) & 255;
  target[offset + 5] = low & 255;
}

export function readUint48(source: Uint8Array, offset: number): number {
  const high = (source[offset]! << 8) | source[offset + 1]!;
  const low =
    ((source[offset + 2]! << 24) |
      (source[offset + 3]! << 16) |
      (source[offset + 4]! << 8) |
      source[offset + 5]!) >>>
    0;
  return high * 0x1_0000_0000 + low;
}

/** `parts` one after another; a number stands for its 32-bit big-endian encoding (a length prefix). */
export function concatBytes(...parts: (Uint8Array | number)[]): Bytes {
  let length = 0;
  for (const part of parts) length += typeof part === 'number' ? 4 : part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      out[at] = part >>> 24;
      out[at + 1] = (part >>> 16) & 255;
      out[at + 2] = (part >>> 8) & 255;
      out[at + 3] = part & 255;
      at += 4;
    } else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

/** Seconds since the epoch for a Date, as stored in the formats. */
export function expirySeconds(expires: Date, option: string): number {
  const time = expires instanceof Date ? expires.getTime() : Number.NaN;
  if (!Number.isFinite(time) || time < 0 || time >= 2 ** 48 * 1000) {
    throw new TypeError(`${option}: expires must be a valid Date after 1970`);
  }
  return Math.floor(time / 1000);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A string whose UTF-8 encoding is lossless. Lone surrogates would both encode
 * to U+FFFD, letting two different strings share one MAC.
 */
export function isWellFormedText(text: unknown): text is string {
  return typeof text === 'string' && !LONE_SURROGATE.test(text);
}
