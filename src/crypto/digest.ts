/** SHA-256 of text, for store keys and index names that must not reveal their input. */
import { encodeBase64url } from './base64url.ts';
import { utf8 } from './bytes.ts';

/**
 * base64url of SHA-256 over the UTF-8 of `text`, optionally truncated to the
 * first `bytes` bytes (a 43-character key for the full 32 bytes).
 */
export async function sha256Base64url(text: string, bytes = 32): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8(text));
  return encodeBase64url(new Uint8Array(digest, 0, bytes));
}
