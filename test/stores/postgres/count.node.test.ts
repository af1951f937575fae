/**
 * The adapters' `count`: the rows an `INSERT`, `UPDATE` or `DELETE` wrote,
 * which PostgresStore's compare-and-swap writes rely on outside a
 * transaction (no `RETURNING` row). A client that reports no count is an
 * error, never a guess: a write taken for lost would be applied again.
 */
import { describe, expect, it } from 'vitest';
import { hyperdrive, nodePostgres, postgresJs } from '../../../src/stores/postgres/index.ts';
import { freshSchema, usePostgres, usePostgresDrivers } from './helpers.ts';

const db = usePostgres();
const adapters = usePostgresDrivers(db, 2).connections;

describe('count', () => {
  for (const [name, connect] of adapters) {
    it(`${name}: the rows each write wrote, 0 when none`, async () => {
      const connection = connect();
      const count = connection.count!;
      const schema = freshSchema(`count ${name}`);
      await connection.query(`CREATE SCHEMA ${schema}`, []);
      await connection.query(`CREATE TABLE ${schema}.t (k text PRIMARY KEY, v bigint)`, []);
      expect(await count(`INSERT INTO ${schema}.t VALUES ($1::text, 1), ($2::text, 1)`, ['a', 'b'])).toBe(2);
      expect(
        await count(`UPDATE ${schema}.t SET v = 2 WHERE k = $1::text AND v = $2::bigint`, ['a', '1']),
      ).toBe(1);
      expect(
        await count(`UPDATE ${schema}.t SET v = 3 WHERE k = $1::text AND v = $2::bigint`, ['a', '1']),
      ).toBe(0);
      expect(await count(`UPDATE ${schema}.t SET v = 3 WHERE k = $1::text`, ['missing'])).toBe(0);
      expect(await count(`DELETE FROM ${schema}.t WHERE v IS NOT NULL`, [])).toBe(2);
      await expect(count(`UPDATE ${schema}.nowhere SET v = 1`, [])).rejects.toThrow(/nowhere/);
    });
  }

  it('a client that reports no row count is refused with an error', async () => {
    const pool = {
      totalCount: 0,
      connect: () => Promise.reject(new Error('unused')),
      query: async () => ({ rows: [] }),
    };
    await expect(nodePostgres(pool).count!('UPDATE t SET v = 1', [])).rejects.toThrow(
      /nodePostgres: the client reported no row count/,
    );
    const bare = { query: async () => ({ rows: [], rowCount: null }) };
    await expect(nodePostgres(bare).count!('UPDATE t SET v = 1', [])).rejects.toThrow(/no row count/);
    const js = Object.assign(() => undefined, {
      unsafe: async () => [],
      begin: async () => undefined,
    });
    await expect(postgresJs(js).count!('UPDATE t SET v = 1', [])).rejects.toThrow(
      /postgresJs: the client reported no row count/,
    );
  });

  it('hyperdrive() has none (its client is made later): the store asks for RETURNING rows', () => {
    const connection = hyperdrive({ connectionString: db.server.url }, () => nodePostgres(db.pool));
    expect(connection.count).toBeUndefined();
  });
});
