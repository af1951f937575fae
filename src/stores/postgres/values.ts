/** How the store writes values into its columns. */

/** A random 52-bit row version, as text. */
export function newVersion(): string {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return String((high! & 0xfffff) * 2 ** 32 + low!);
}

/**
 * The `user_id` column: the user id as JSON text, so any string fits (a
 * PostgreSQL text value cannot hold U+0000) and distinct ids stay distinct.
 */
export const userColumn = (userId: string) => JSON.stringify(String(userId));

/** Times go to bigint columns: a bound rounded down, an expiry up. */
export const at = (ms: number) => String(Math.floor(ms));
export const until = (ms: number) => String(Math.ceil(ms));
