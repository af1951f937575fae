/**
 * The one check every options object goes through: a name the caller does
 * not know is refused (a typo would otherwise switch a setting off without a
 * word), with the nearest known name as a hint; an old spelling still
 * accepted during its deprecation release is mapped to the new one, with a
 * warning printed once per process.
 */

/** Old spelling → new spelling, for names renamed in this release. */
export type Renames = Readonly<Record<string, string>>;

const warned = new Set<string>();

/** Prints `message` with `console.warn` once per process for `key`. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/** Levenshtein distance, case-insensitive (option names are short: quadratic is fine). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // `sameSite` for `samesite`, `keyPrefix` for `keyprefx`; not `store` for `xyz`.
  const lowered = name.toLowerCase();
  const related =
    best !== undefined &&
    lowered.length >= 4 &&
    (best.toLowerCase().includes(lowered) || lowered.includes(best.toLowerCase()));
  return best !== undefined && (bestDistance <= Math.max(2, Math.floor(name.length / 3)) || related)
    ? best
    : undefined;
}

/**
 * Checks the names in `options` against `known`. Throws a TypeError naming
 * the first unknown one (`caller: unknown option "path.name"; did you mean
 * "…"?`). Returns `options` itself, or — when an old spelling from `renames`
 * is used — a copy under the new names, after a one-time deprecation warning.
 *
 * `path` prefixes nested names in messages (`cookie.`, `sessionToken.`).
 */
export function checkOptionNames<T extends object>(
  caller: string,
  options: T,
  known: readonly string[],
  renames: Renames = {},
  path = '',
): T {
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const renamed = Object.hasOwn(renames, name) ? renames[name] : undefined;
    if (renamed !== undefined) {
      if (Object.hasOwn(options, renamed)) {
        throw new TypeError(
          `${caller}: options ${path}${name} and ${path}${renamed} are the same option; keep ${path}${renamed}`,
        );
      }
      warnOnce(
        `${caller}:${path}${name}`,
        `tesserajs: ${caller}: option ${path}${name} is deprecated and will be removed in the next minor release; ` +
          `rename it to ${path}${renamed} (see docs/migrating.md)`,
      );
      copy ??= { ...(options as Record<string, unknown>) };
      copy[renamed] = copy[name];
      delete copy[name];
      continue;
    }
    // An old spelling mistyped (`perfix`) suggests its new name (`keyPrefix`).
    const guess = nearestName(name, [...known, ...Object.keys(renames)]);
    const nearest = guess !== undefined && Object.hasOwn(renames, guess) ? renames[guess] : guess;
    const hint =
      nearest === undefined ? ` (known options: ${known.join(', ')})` : `; did you mean "${path}${nearest}"?`;
    throw new TypeError(`${caller}: unknown option "${path}${name}"${hint}`);
  }
  return (copy as T | undefined) ?? options;
}

/** Whether `value` is a plain options object (not null, not an array). */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
