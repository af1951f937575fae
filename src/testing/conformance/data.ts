/** Test data for the conformance suite: keys, values, a replayable random generator. */

export const HOUR = 3_600_000;

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys a store must keep apart: JSON-path syntax, quotes, escapes, U+0000, prototype names, astral characters. */
export const HOSTILE_KEYS = [
  'a',
  'a.b',
  '"',
  "'",
  '\\',
  'a\\"b',
  '$.x',
  '[0]',
  '',
  '__proto__',
  'constructor',
  '🍪',
  'line\nbreak',
  'nul\u0000key',
  'userId',
];

export function randomValue(next: () => number, depth = 0): unknown {
  const pick = <V>(list: readonly V[]): V => list[Math.floor(next() * list.length)]!;
  switch (Math.floor(next() * (depth < 2 ? 8 : 6))) {
    case 0:
      return Math.floor(next() * 2000) - 1000;
    case 1:
      return pick([0.1, 0.2, 1e21, 2 ** 53, -0.5, 5e-324, 1.7976931348623157e308, 123456789.123]);
    case 2:
      return pick(['', 'text', 'Zoë 🍪', 'quote " and \\ backslash', '\u2028', 'nul\u0000inside']);
    case 3:
      return next() < 0.5;
    case 4:
      return null;
    case 5:
      return pick(HOSTILE_KEYS);
    case 6:
      return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 3) }, () => [
          pick(HOSTILE_KEYS),
          randomValue(next, depth + 1),
        ]),
      );
  }
}

let counter = 0;
/** A fresh store key shaped like the engine's (43 base64url characters). */
export function freshKey(): string {
  const random = crypto.getRandomValues(new Uint8Array(24));
  const text = `k${(counter++).toString(36)}_${Array.from(random, (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('')}`;
  return text.padEnd(43, 'x').slice(0, 43);
}
