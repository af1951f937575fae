/** Shared fixtures for crypto tests. */
export const SECRET_A = 'a-test-secret-that-is-long-enough-0123456789';
export const SECRET_B = 'b-test-secret-that-is-long-enough-0123456789';
export const SECRET_C = 'c-test-secret-that-is-long-enough-0123456789';

export const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every string made by replacing one character of `text` with each of `replacements`. */
export function singleCharacterEdits(
  text: string,
  replacements = ['A', 'b', '0', '-', '_', '.', '~'],
): string[] {
  const edits: string[] = [];
  for (let i = 0; i < text.length; i++) {
    for (const r of replacements) {
      if (text[i] !== r) edits.push(text.slice(0, i) + r + text.slice(i + 1));
    }
  }
  return edits;
}

/**
 * The same bytes with different unused low bits in the last base64url
 * character, or null when the encoding has no unused bits.
 */
export function nonCanonicalTail(encoded: string): string | null {
  const rest = encoded.length % 4;
  if (rest !== 2 && rest !== 3) return null;
  const last = ALPHABET.indexOf(encoded[encoded.length - 1]!);
  return encoded.slice(0, -1) + ALPHABET[last | 1]!;
}
