import { describe, expect, it, vi } from 'vitest';
import { backoff } from '../../src/util/backoff.ts';
import { BoundedMap } from '../../src/util/bounded-map.ts';
import { retryingOnce } from '../../src/util/once.ts';
import { parseJson } from '../../src/util/parse-json.ts';

describe('BoundedMap', () => {
  it('holds at most its capacity, dropping the oldest insertion', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    expect([...map.keys()]).toEqual(['b', 'c', 'd']);
    map.set('c', 9); // replacing an entry evicts nothing
    expect([...map.entries()]).toEqual([
      ['b', 1],
      ['c', 9],
      ['d', 3],
    ]);
    const none = new BoundedMap<string, number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
  });
});

describe('backoff', () => {
  it('waits a random time below min(max, base × 2^(attempt − 1)): full jitter', async () => {
    const delays: number[] = [];
    const timeout = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      delays.push(ms);
      fn();
      return 0;
    }) as never);
    try {
      for (let attempt = 1; attempt <= 6; attempt++)
        for (let i = 0; i < 20; i++) await backoff(attempt, 100, 1000);
    } finally {
      timeout.mockRestore();
    }
    for (let attempt = 1; attempt <= 6; attempt++) {
      const cap = Math.min(1000, 100 * 2 ** (attempt - 1));
      const some = delays.slice((attempt - 1) * 20, attempt * 20);
      expect(some.every((ms) => ms >= 0 && ms < cap)).toBe(true);
      expect(new Set(some).size).toBeGreaterThan(10); // writers that failed together spread apart
    }
  });
});

describe('retryingOnce', () => {
  it('shares one run between callers and retries after a failure', async () => {
    let runs = 0;
    const get = retryingOnce(async () => {
      runs++;
      if (runs === 1) throw new Error('cold start');
      return runs;
    });
    await expect(get()).rejects.toThrow('cold start');
    expect(await Promise.all([get(), get()])).toEqual([2, 2]);
    expect(runs).toBe(2);
  });
});

describe('parseJson', () => {
  it('names keys right where the runtime JSON.parse may not (escaped keys after a key holding a backslash)', () => {
    // Teach the parser a shape whose second key holds a backslash…
    for (let i = 0; i < 3; i++) JSON.parse('{"a":1,"\\\\":2}');
    // …then read objects of that shape whose second key is another escaped character.
    for (const key of ['"', '\n', '\t', 'é']) {
      const text = JSON.stringify({ a: 1, [key]: 2 });
      expect(Object.keys(parseJson(text) as object)).toEqual(['a', key]);
    }
  });

  it('agrees with JSON.parse on valid text and throws SyntaxError on invalid text', () => {
    const texts = [
      '{}',
      '[]',
      '"\\u2028 \\" \\\\"',
      '{"__proto__":{"x":[1,-2.5e-3,true,false,null]}, "b" : [ {} , [] ] }',
      ' 12 ',
      'null',
    ];
    for (const text of texts) expect(JSON.stringify(parseJson(text))).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.hasOwn(parseJson('{"__proto__":1,"\\\\":2}') as object, '__proto__')).toBe(true);
    for (const text of ['{', '{"a":}', '"\\x"', '[1,]', ''])
      expect(() => parseJson(text)).toThrow(SyntaxError);
  });
});
