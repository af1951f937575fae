/** The DBSC exchanges (ES256 and RS256 verified with Web Crypto) on Bun and Deno: dbsc-exchange.ts. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const runtimes = [
  ['Bun', 'node_modules/.bin/bun', ['test/runtimes/dbsc-exchange.ts']],
  [
    'Deno',
    'node_modules/.bin/deno',
    ['run', '--no-config', '--no-remote', '--no-npm', '--no-prompt', 'test/runtimes/dbsc-exchange.ts'],
  ],
] as const;

describe('Device Bound Session Credentials on Bun and Deno', () => {
  for (const [name, bin, args] of runtimes) {
    it(`registers, refreshes and refuses a stolen jar on ${name}`, () => {
      const output = execFileSync(bin, [...args], { encoding: 'utf8', stdio: 'pipe' });
      expect(output.trim()).toBe('dbsc ok');
    }, 60_000);
  }
});
