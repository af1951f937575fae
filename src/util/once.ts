/**
 * Wraps an async function so that it runs once and every caller shares its
 * result; a rejection is not cached, so the next call tries again (a failed
 * key import on a cold isolate must not poison it for good).
 */
export function retryingOnce<T>(run: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= run().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
