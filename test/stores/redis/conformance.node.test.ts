/**
 * RedisStore against a real redis-server (test/stores/redis/server.ts),
 * through node-redis and ioredis on Node: the shared conformance suite, then
 * what is particular to Redis.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, type SessionPatch, type SessionRecord, utf8Length } from '../../../src/store/index.ts';
import { ioRedis, nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { type RedisServer, startRedis } from './server.ts';

let server: RedisServer;
let node: ReturnType<typeof createClient>;
let io: Redis;

beforeAll(async () => {
  server = await startRedis();
  node = createClient({ url: server.url });
  await node.connect();
  io = new Redis(server.port, '127.0.0.1');
}, 30_000);

afterAll(async () => {
  node?.destroy();
  io?.disconnect();
  await server?.stop();
});

/** Above the suite's 64 KiB record, so that one round-trips and the size check has room. */
const LIMIT = 100_000;

for (const [name, connect] of [
  ['node-redis', () => nodeRedis(node)],
  ['ioredis', () => ioRedis(io)],
] as const) {
  describe(`RedisStore conformance through ${name}`, () => {
    let time = Date.now();
    const now = () => time;
    const checks = storeConformance(
      () => new RedisStore(connect(), { prefix: `${name}:`, now, maxRecordBytes: LIMIT }),
      { now, advance: (ms) => void (time += ms), maxRecordBytes: LIMIT },
    );
    for (const check of checks) it(check.name, check.run);
  });
}

/** The same JSON value with every object's keys in reverse order: JSON-equal, a different text. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse())
    Object.defineProperty(out, key, {
      value: reordered((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

describe('RedisStore update agrees with applyPatch', () => {
  const HOUR = 3_600_000;
  const keys = [
    'a',
    'n',
    'a.b',
    '"',
    '\\',
    'a\\"b',
    '',
    '__proto__',
    '🍪',
    'line\nbreak',
    'nul\u0000key',
    'userId',
  ];
  const key = fc.constantFrom(...keys);
  const number = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0.1, 0.2, 0.7, 1e21, 1e-7, 2 ** 53, 2 ** 63, -0, 1.7976931348623157e308, 5e-324),
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    number,
    fc.constantFrom([], {}, [[]], [{}], { a: [] }, { a: {} }, 'nul\u0000inside', '\u2028'),
  );
  const dictionary = <V>(arb: fc.Arbitrary<V>, maxKeys: number) => fc.dictionary(key, arb, { maxKeys });
  const persist = fc.oneof(
    fc.constant(undefined),
    fc.constant(false as const),
    fc.record(
      {
        idleMs: fc.integer({ min: 10_000, max: 9 * HOUR }),
        absoluteMs: fc.integer({ min: 10_000, max: 99 * HOUR }),
      },
      { requiredKeys: [] },
    ),
  );

  it('on 150 random records and patches over hostile keys: the same record, key order too, numbers written as JavaScript writes them', async () => {
    const store = new RedisStore(nodeRedis(node), { prefix: 'property:' });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        dictionary(value, 6),
        dictionary(value, 3),
        fc.record(
          {
            set: dictionary(value, 4),
            unset: fc.array(key, { maxLength: 3 }),
            increment: dictionary(number, 4),
            pull: dictionary(fc.array(value, { maxLength: 2 }), 2),
            push: dictionary(fc.array(value, { maxLength: 3 }), 2),
            flash: dictionary(value, 2),
            consumed: dictionary(value, 2),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        persist,
        async (data, flash, changes, fromRecord, persisted) => {
          const t = Date.now();
          // Pull and consume values the record holds, in another key order, as often as random ones.
          if (fromRecord) {
            for (const k of Object.keys(data))
              if (Array.isArray(data[k]) && (data[k] as unknown[]).length > 0)
                Object.defineProperty((changes.pull ??= {}), k, {
                  value: [reordered((data[k] as unknown[])[0])],
                  enumerable: true,
                });
            for (const k of Object.keys(flash))
              Object.defineProperty((changes.consumed ??= {}), k, {
                value: reordered(flash[k]),
                enumerable: true,
              });
          }
          const before: SessionRecord = { data, flash, createdAt: t, lastSeenAt: t, expiresAt: t + HOUR };
          const patch: SessionPatch = {
            ...changes,
            ...(persisted === undefined ? {} : { persist: persisted }),
            now: t + 1000,
            idleMs: HOUR,
            absoluteMs: 24 * HOUR,
            userField: 'userId',
          };
          const k = `property-${n++}`.padEnd(43, 'x');
          await store.set(k, before, before.expiresAt);
          const expected = applyPatch(before, patch)!;
          expect(await store.update(k, patch)).toBe(true);
          expect(JSON.stringify(await store.get(k))).toBe(JSON.stringify(expected));
          // A sum the script computed is stored exactly as JSON.stringify writes it
          // (a data member's field holds "<order> <JSON text>").
          for (const field of Object.keys(patch.increment ?? {}))
            if (typeof expected.data[field] === 'number') {
              const hash = ['HGET', `property:{${k}}:h`, `d${JSON.stringify(field)}`];
              const text = String(await node.sendCommand(hash));
              expect(text.slice(text.indexOf(' ') + 1)).toBe(JSON.stringify(expected.data[field]));
            }
          // The size the store keeps is the size of the record's JSON text.
          const state = String(await node.sendCommand(['HGET', `property:{${k}}:h`, '#']));
          expect(Number(state.split(' ')[2])).toBe(utf8Length(JSON.stringify(expected)));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
