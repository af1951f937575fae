/**
 * House rule: MACs and tags are compared only inside Web Crypto
 * (`crypto.subtle.verify` / AES-GCM decrypt), never with ==/=== on strings or
 * bytes, which leaks timing. This reads the crypto sources and fails on any
 * equality comparison that mentions a MAC, signature, tag or digest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../src/crypto/', import.meta.url);

describe('crypto sources', () => {
  it('never compare MACs with equality operators', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      readFileSync(new URL(file, dir), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '');
          if (/(mac|signature|tag|digest)\w*\s*[!=]==?|[!=]==?\s*\w*(mac|signature|tag|digest)/i.test(code)) {
            offenders.push(`${file}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(offenders).toEqual([]);
  });

  it('verify goes through crypto.subtle.verify', () => {
    expect(readFileSync(new URL('sign.ts', dir), 'utf8')).toMatch(/crypto\.subtle\.verify\('HMAC'/);
  });
});
