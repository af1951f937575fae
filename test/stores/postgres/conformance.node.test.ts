/**
 * PostgresStore against a real PostgreSQL (test/stores/postgres/server.ts)
 * through node-postgres (a pool and a single client) and postgres.js on
 * Node: the shared conformance suite with `maxRecordBytes`, the engine round
 * trip, and `update` against `applyPatch` on random patches, compared as
 * text (key order too).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPatch, type SessionPatch, type SessionRecord } from '../../../src/store/index.ts';
import {
  nodePostgres,
  type PostgresConnection,
  PostgresStore,
  postgresJs,
} from '../../../src/stores/postgres/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { engineRoundTrip } from '../engine-round-trip.ts';
import { freshSchema, HOUR, usePostgres, usePostgresDrivers } from './helpers.ts';

const db = usePostgres();
const MAX_RECORD_BYTES = 100_000;
const drivers = usePostgresDrivers(db, 10);

const clients: [string, () => PostgresConnection][] = [
  ...drivers.connections,
  // A connection without `count` (a hand-written one, or hyperdrive()): writes ask for a RETURNING row.
  [
    'a node-postgres Pool without count',
    () => {
      const { query, transaction } = nodePostgres(db.pool);
      return { query, transaction };
    },
  ],
];

for (const [name, connect] of clients) {
  describe(`PostgresStore conformance through ${name}`, () => {
    const schema = freshSchema(name);
    let time = Date.now();
    const now = () => time;
    beforeAll(() => new PostgresStore(connect(), { schema }).ensureSchema());
    const checks = storeConformance(
      () => new PostgresStore(connect(), { schema, now, maxRecordBytes: MAX_RECORD_BYTES }),
      { now, advance: (ms) => void (time += ms), maxRecordBytes: MAX_RECORD_BYTES },
    );
    for (const check of checks) it(check.name, check.run);

    it('behind the session engine: login, 50 concurrent increments, logout', async () => {
      const store = new PostgresStore(connect(), { schema: `${schema}_engine` });
      await store.ensureSchema();
      await engineRoundTrip(store);
    });
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

describe('PostgresStore update agrees with applyPatch', () => {
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
    '7',
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
    fc.constantFrom([], {}, [[]], [{}], { a: [] }, 'nul\u0000inside', '\u2028', '\ud800 lone'),
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

  it('on 150 random records and patches over hostile keys: the same record, key order too', async () => {
    const schema = freshSchema('property');
    const store = new PostgresStore(postgresJs(drivers.sql()), { schema });
    // Another store on the same table: its writes make the first one's remembered versions stale.
    const other = new PostgresStore(nodePostgres(db.pool), { schema });
    await store.ensureSchema();
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
        fc.boolean(),
        async (data, flash, changes, fromRecord, persisted, stale) => {
          const t = Date.now();
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
          await store.set(k, { ...before, data: {} }, before.expiresAt);
          // Half the time the record is written by the other store: the first one's version is stale.
          await (stale ? other : store).set(k, before, before.expiresAt);
          const expected = applyPatch(before, patch)!;
          expect(await store.update(k, patch)).toBe(true);
          expect(JSON.stringify(await store.get(k))).toBe(JSON.stringify(expected));
          expect(JSON.stringify(await other.get(k))).toBe(JSON.stringify(expected));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
