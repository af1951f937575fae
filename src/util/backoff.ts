/** Waiting between retries of a store write that met contention or a rate limit. */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * Exponential backoff with full jitter (a random delay between 0 and
 * min(`maxMs`, `baseMs` × 2^(attempt − 1))): competing writers that failed
 * together spread apart instead of colliding again on a shared schedule.
 */
export function backoff(attempt: number, baseMs: number, maxMs: number): Promise<void> {
  return sleep(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
}
