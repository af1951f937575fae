/** How the store writes values into its columns. */

// Versions come from a pool of random words filled by one
// crypto.getRandomValues call per 256 versions: on Node each call has a
// fixed cost of several microseconds, more than the rest of a write's work
// here. Each version is still 52 fresh bits, handed out once.
const VERSION_WORDS = 2 * 256;
let words: Uint32Array<ArrayBuffer> | undefined;
let wordAt = VERSION_WORDS;

/** A random 52-bit row version, as text. */
export function newVersion(): string {
  if (wordAt === VERSION_WORDS) {
    // Filled on first use, never at module load (workerd refuses randomness outside a request).
    crypto.getRandomValues((words ??= new Uint32Array(VERSION_WORDS)));
    wordAt = 0;
  }
  const high = words![wordAt]! & 0xfffff;
  const low = words![wordAt + 1]!;
  wordAt += 2;
  return String(high * 2 ** 32 + low);
}

/**
 * The `user_id` column: the user id as JSON text, so any string fits (a
 * PostgreSQL text value cannot hold U+0000) and distinct ids stay distinct.
 */
export const userColumn = (userId: string) => JSON.stringify(String(userId));

/** Times go to bigint columns: a bound rounded down, an expiry up. */
export const at = (ms: number) => String(Math.floor(ms));
export const until = (ms: number) => String(Math.ceil(ms));

const MINUTE = 60_000;

/**
 * `sweep_at`, the indexed expiry: `until(ms)` rounded up to the minute. A
 * session's writes move `expires_at` every time; an index on it would make
 * every write update the index, while one on the rounded time changes at
 * most once a minute, so most writes are heap-only (HOT) updates in place.
 * Computed here, in integers: in SQL the numeric arithmetic cost the server
 * more than the rest of an update's expressions.
 */
export function sweepAt(ms: number): string {
  const expiry = Math.ceil(ms);
  const past = expiry % MINUTE;
  return String(past > 0 ? expiry - past + MINUTE : expiry - past);
}
