/** Test vectors for benchmarks: the ones the tests use, in test/vectors/. */
import { readFileSync } from 'node:fs';

const root = new URL('../test/vectors/', import.meta.url);

export function readVector<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, root), 'utf8')) as T;
}
