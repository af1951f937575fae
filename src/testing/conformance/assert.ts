/** Assertions of the conformance suite: they throw `ConformanceError`, whatever the test runner. */

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

export function same(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  assert(a === b, `${message}\n  expected ${b}\n  received ${a}`);
}

/** JSON with object keys sorted: equal for records that differ only in key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** Runs `write` and checks it throws an error whose message matches `pattern`. */
export async function rejects(
  write: () => Promise<unknown>,
  pattern: RegExp,
  message: string,
): Promise<void> {
  let refused: unknown;
  try {
    await write();
  } catch (error) {
    refused = error;
  }
  assert(refused instanceof Error && pattern.test(refused.message), message);
}
