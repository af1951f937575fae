/**
 * Test vectors from `test/vectors/` (sources and licences in its README).
 * Imported as raw text and parsed with JSON.parse — a JS-module JSON import
 * would turn a `"__proto__"` key into a prototype — so the same code loads
 * them in Node and inside workerd.
 */
import cookieParse from './vectors/cookie-parse.json?raw';
import cookieSerialize from './vectors/cookie-serialize.json?raw';
import topCookie from './vectors/top-cookie.json?raw';
import topSetCookie from './vectors/top-set-cookie.json?raw';

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
export const serializeVectors: { throws: SerializeVector[]; accepts: SerializeVector[] } =
  JSON.parse(cookieSerialize);
export const topCookieHeaders: Record<string, string> = JSON.parse(topCookie);
export const topSetCookieHeaders: Record<string, string[]> = JSON.parse(topSetCookie);
