/**
 * Runs in its own module instance on purpose: getCookie remembers the last
 * name it accepted, so the very first call must be checked on its own. An
 * empty name used to slip past that memo and loop forever on `indexOf('')`.
 */
import { expect, it } from 'vitest';
import { getCookie } from '../../src/index.ts';

it('an empty name as the first lookup returns undefined at once', () => {
  expect(getCookie('a=1; =2; b=3', '')).toBeUndefined();
  expect(getCookie('', '')).toBeUndefined();
  expect(getCookie('a=1', 'a')).toBe('1');
  expect(getCookie('a=1', '')).toBeUndefined();
});
