/**
 * Shared test vectors, read from the sibling `shared/vectors/` folder (they are
 * not copied into this repository). Imported as raw text and parsed with
 * JSON.parse — a JS-module JSON import would turn a `"__proto__"` key into a
 * prototype — so the same code loads them in Node and inside workerd.
 */
import cookieParse from '../../shared/vectors/cookie-parse.json?raw';
import cookieSerialize from '../../shared/vectors/cookie-serialize.json?raw';
import topCookie from '../../shared/vectors/top-cookie.json?raw';
import topSetCookie from '../../shared/vectors/top-set-cookie.json?raw';

export interface ParseVector {
  header: string;
  expected: Record<string, string>;
  note: string;
}

export interface SerializeVector {
  name: string;
  value: string;
  options: Record<string, unknown>;
  note: string;
}

export const parseVectors: ParseVector[] = JSON.parse(cookieParse);
export const serializeVectors: { throws: SerializeVector[]; accepts: SerializeVector[] } = JSON.parse(cookieSerialize);
export const topCookieHeaders: Record<string, string> = JSON.parse(topCookie);
export const topSetCookieHeaders: Record<string, string[]> = JSON.parse(topSetCookie);
