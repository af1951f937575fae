/**
 * package.json as the packaging tests read it: the subpath exports are the
 * one list every check derives from, so a new subpath is covered by itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './run.ts';

export interface Conditions {
  types: string;
  import: string;
  default: string;
}

export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  exports: Record<string, Conditions | string>;
};

/** Every subpath export but ./package.json, as [subpath, its conditions]. */
export const entries = Object.entries(pkg.exports).filter(
  (entry): entry is [string, Conditions] => typeof entry[1] === 'object',
);

/** `./kv` → `tesserajs/kv`. */
export const specifier = (subpath: string): string => pkg.name + subpath.slice(1);
