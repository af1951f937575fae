/**
 * base64url without padding (RFC 4648 §5), strict on input: only the
 * URL-safe alphabet, no `=`, no impossible lengths, and unused trailing bits
 * must be zero (RFC 4648 §3.5), so every byte string has exactly one encoding.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const DECODE = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

// The encoder writes ASCII bytes and turns them into a string with one
// TextDecoder call (native everywhere): about 3× faster on Node than
// String.fromCharCode over an array of character codes.
const ascii = /* @__PURE__ */ new TextDecoder();
// Output bytes for sealed values, reused: filled and decoded within one
// synchronous call (16 KiB; a longer output gets a buffer of its own).
let scratch: Uint8Array | undefined;

/** Writes the encoding of `bytes` into `out` from `o`; returns the end. */
function writeBase64url(bytes: Uint8Array, out: Uint8Array, o: number): number {
  const whole = bytes.length - (bytes.length % 3);
  let i = 0;
  for (; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    out[o++] = ALPHABET.charCodeAt((n >> 6) & 63);
    out[o++] = ALPHABET.charCodeAt(n & 63);
  }
  if (i < bytes.length) {
    // One or two bytes left: two or three characters, no padding.
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    if (i + 1 < bytes.length) out[o++] = ALPHABET.charCodeAt((n >> 6) & 63);
  }
  return o;
}

/**
 * @internal The encoding of `head` then `tail` as one byte string, without
 * joining them first; `head.length` must be a multiple of 3.
 */
export function encodeBase64urlPair(head: Uint8Array, tail: Uint8Array): string {
  const length = Math.ceil(((head.length + tail.length) * 4) / 3);
  const out = length <= 16384 ? (scratch ??= new Uint8Array(16384)) : new Uint8Array(length);
  return ascii.decode(out.subarray(0, writeBase64url(tail, out, writeBase64url(head, out, 0))));
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  writeBase64url(bytes, out, 0);
  return ascii.decode(out);
}

function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? DECODE[c]! : -1;
}

/**
 * Decodes unpadded base64url; `null` for anything that is not the canonical
 * encoding of some byte string. Never throws.
 */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  const length = text.length;
  const rest = length & 3;
  if (rest === 1) return null;
  const out = new Uint8Array((length >> 2) * 3 + (rest === 0 ? 0 : rest - 1));
  const whole = length - rest;
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (rest === 2) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return null;
    out[o] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    const c = sextet(text, whole + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return null;
    out[o++] = (a << 2) | (b >> 4);
    out[o] = ((b & 15) << 4) | (c >> 2);
  }
  return out;
}
