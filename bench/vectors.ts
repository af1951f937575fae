/** Test vectors for benchmarks, read from the sibling shared/vectors folder. */
import { readFileSync } from 'node:fs';

const root = new URL('../../shared/vectors/', import.meta.url);

export function readVector<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, root), 'utf8')) as T;
}
