/**
 * What is particular to PostgresStore, against a real PostgreSQL: options
 * refused at construction, the shipped migration, the compare-and-swap
 * (one statement per write after a read; stale versions from another
 * process lose nothing), no resurrection, "sign out everywhere else", the
 * size limit on `move`, `sweep()`, and the adapters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { END_MARKER_MS } from '../../../src/store/index.ts';
import {
  hyperdrive,
  nodePostgres,
  type PostgresConnection,
  PostgresStore,
  postgresJs,
  schemaStatements,
} from '../../../src/stores/postgres/index.ts';
import { root } from '../../run.ts';
import { freshKey, freshSchema, HOUR, patch, record, usePostgres } from './helpers.ts';

const db = usePostgres();

/** A connection through the fixture's pool that records every statement. */
function spy() {
  const statements: string[] = [];
  const inner = () => nodePostgres(db.pool);
  const connection: PostgresConnection = {
    query: (text, params) => {
      statements.push(text.trim().split(/\s+/)[0]!);
      return inner().query(text, params);
    },
    transaction: async (body) => {
      statements.push('BEGIN');
      const result = await inner().transaction((query) =>
        body((text, params) => {
          statements.push(text.trim().split(/\s+/)[0]!);
          return query(text, params);
        }),
      );
      statements.push('COMMIT');
      return result;
    },
  };
  return { statements, connection };
}

/** A store on a fresh schema, its tables created. */
async function fresh(
  options: { now?: () => number; maxRecordBytes?: number } = {},
  connection?: PostgresConnection,
) {
  const schema = freshSchema('store');
  const store = new PostgresStore(connection ?? nodePostgres(db.pool), { schema, ...options });
  await store.ensureSchema();
  return { schema, store, other: new PostgresStore(nodePostgres(db.pool), { schema, ...options }) };
}

describe('PostgresStore options', () => {
  const connection = { query: async () => [], transaction: async () => undefined as never };

  it('refuses what is not a connection, naming what to pass', () => {
    for (const bad of [undefined, null, {}, { query() {} }, 'postgres://x'])
      expect(() => new PostgresStore(bad as never)).toThrow(
        /first argument must be a connection: postgresJs/,
      );
  });

  it('refuses unknown options and bad values, naming the option', () => {
    expect(() => new PostgresStore(connection, { tabel: 'x' } as never)).toThrow(/unknown option "tabel"/);
    for (const table of ['', '1a', 'a-b', 'a"b', 'pg_sessions', 'x'.repeat(49), 7])
      expect(() => new PostgresStore(connection, { table } as never)).toThrow(
        /option table must be an SQL identifier/,
      );
    for (const schema of ['', 'a b', 'pg_catalog', 'x'.repeat(64)])
      expect(() => new PostgresStore(connection, { schema })).toThrow(
        /option schema must be an SQL identifier/,
      );
    for (const maxRecordBytes of [0, -1, 1.5, Number.NaN, '1000'])
      expect(() => new PostgresStore(connection, { maxRecordBytes } as never)).toThrow(
        /option maxRecordBytes/,
      );
    expect(() => new PostgresStore(connection, { now: 5 } as never)).toThrow(/option now/);
    expect(() => new PostgresStore(connection, { schema: 'S_1', table: 'x'.repeat(48) })).not.toThrow();
  });

  it('adapters refuse what is not their client', () => {
    expect(() => nodePostgres({} as never)).toThrow(/nodePostgres: the argument must be a pg.Pool/);
    expect(() => postgresJs({} as never)).toThrow(/postgresJs: the argument must be a postgres.js/);
    expect(() => hyperdrive({} as never, () => connection)).toThrow(/Hyperdrive binding/);
    expect(() => hyperdrive({ connectionString: 'postgres://x' }, 'pg' as never)).toThrow(/second argument/);
  });
});

describe('PostgresStore schema', () => {
  it('ships a migration with the statements ensureSchema() runs', () => {
    const migration = readFileSync(join(root, 'migrations/postgres/0001_tessera_sessions.sql'), 'utf8');
    const code = migration
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n');
    const shipped = code
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(shipped).toEqual(schemaStatements('public', 'tessera_sessions'));
  });

  it('ensureSchema() is idempotent, also five at once, and the default is the public schema', async () => {
    const schema = freshSchema('ensure');
    const stores = Array.from({ length: 5 }, () => new PostgresStore(nodePostgres(db.pool), { schema }));
    await Promise.all(stores.map((store) => store.ensureSchema()));
    await stores[0]!.ensureSchema();
    const store = new PostgresStore(nodePostgres(db.pool));
    await store.ensureSchema();
    const key = freshKey('public');
    await store.set(key, record(Date.now(), { v: 1 }), Date.now() + HOUR);
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM public.tessera_sessions WHERE id = $1',
      [key],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('PostgresStore writes', () => {
  it('a request (get, then update) sends two statements; a stale version goes through a locked read', async () => {
    const { statements, connection } = spy();
    const { store, other } = await fresh({}, connection);
    const key = freshKey('cas');
    const t = Date.now();
    await store.set(key, record(t, { n: 0 }), t + HOUR);
    statements.length = 0;
    await store.get(key);
    expect(await store.update(key, patch(t, { increment: { n: 1 } }))).toBe(true);
    expect(statements).toEqual(['SELECT', 'UPDATE']);
    // Another process writes: this one's version is stale, the write is not lost.
    expect(await other.update(key, patch(t, { set: { theirs: true } }))).toBe(true);
    statements.length = 0;
    expect(await store.update(key, patch(t, { increment: { n: 1 } }))).toBe(true);
    expect(statements).toEqual(['UPDATE', 'BEGIN', 'SELECT', 'UPDATE', 'COMMIT']);
    expect((await other.get(key))?.data).toEqual({ n: 2, theirs: true });
  });

  it('never writes back a session another process deleted, revoked or moved', async () => {
    const { store, other } = await fresh();
    const t = Date.now();
    const [a, b, c, moved] = [freshKey('gone'), freshKey('gone'), freshKey('gone'), freshKey('gone')];
    for (const key of [a, b, c]) {
      await store.set(key, record(t, { userId: 'u1' }, 'u1'), t + HOUR);
      await store.get(key);
    }
    await other.delete(a);
    await other.deleteByUser('u1', { except: c });
    expect(await other.move(c, moved, patch(t))).toBe(true);
    expect(await store.update(a, patch(t, { set: { v: 1 } }))).toBe(false);
    expect(await store.update(b, patch(t, { set: { v: 1 } }))).toBe(false);
    expect(await store.update(c, patch(t, { set: { v: 1 } }))).toBe(false);
    expect(await store.move(c, freshKey('gone'), patch(t))).toBe(false);
    await store.touch(a, record(t + 1000), t + HOUR + 1000);
    for (const key of [a, b, c]) expect(await other.get(key)).toBeNull();
    expect((await store.get(moved))?.data).toEqual({ userId: 'u1' });
  });

  it('a login (move) racing "sign out everywhere" is revoked with the rest: the revocation waits for it', async () => {
    const { store: other, schema } = await fresh();
    const inner = nodePostgres(db.pool);
    let during: (() => Promise<void>) | undefined;
    // Runs `during` after the move's statement, before its transaction commits.
    const connection: PostgresConnection = {
      query: inner.query,
      transaction: (body) =>
        inner.transaction((query) =>
          body(async (text, params) => {
            const rows = await query(text, params);
            if (text.startsWith('WITH gone')) {
              const run = during;
              during = undefined;
              await run?.();
            }
            return rows;
          }),
        ),
    };
    const store = new PostgresStore(connection, { schema });
    const t = Date.now();
    const [from, to] = [freshKey('race'), freshKey('race')];
    await store.set(from, record(t, { userId: 'ada' }, 'ada'), t + HOUR);
    let revoked: Promise<number> | undefined;
    let settled = false;
    during = async () => {
      revoked = other.deleteByUser('ada').finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // held until the login commits
    };
    expect(await store.move(from, to, patch(t, { set: { n: 1 } }))).toBe(true);
    expect(await revoked).toBe(1);
    expect(await other.get(to)).toBeNull();
    expect(await other.listByUser('ada')).toEqual([]);
  });

  it('a touch moves the timestamps only, and skips a row another process changed meanwhile', async () => {
    const { store, other } = await fresh();
    const t = Date.now();
    const key = freshKey('touch');
    const value = record(t, { v: 1 });
    await store.set(key, value, value.expiresAt);
    await store.touch(
      key,
      { ...value, data: { ignored: true }, lastSeenAt: t + 5, expiresAt: t + HOUR + 5 },
      t + HOUR + 5,
    );
    expect(await other.get(key)).toEqual({ ...value, lastSeenAt: t + 5, expiresAt: t + HOUR + 5 });
    await other.update(key, patch(t + 10, { set: { w: 2 } }));
    await store.touch(key, { ...value, lastSeenAt: t + 7, expiresAt: t + HOUR + 7 }, t + HOUR + 7);
    const read = await other.get(key);
    expect(read?.data).toEqual({ v: 1, w: 2 });
    expect(read?.lastSeenAt).toBe(t + 10);
  });

  it('"sign out everywhere else" marks the kept session, which keeps the mark through updates', async () => {
    let time = Date.now();
    const { store } = await fresh({ now: () => time });
    const [kept, other] = [freshKey('kept'), freshKey('kept')];
    const value = { ...record(time, { userId: 'ada' }, 'ada'), authenticatedAt: time - 60_000 };
    for (const key of [kept, other]) await store.set(key, value, value.expiresAt);
    expect(await store.deleteByUser('ada', { except: kept })).toBe(1);
    const revoked = await store.revokedAt('ada');
    expect(revoked).toBe(time);
    expect(await store.get(kept)).toMatchObject({ authenticatedAt: time - 60_000, keptAt: time + 1 });
    expect(await store.update(kept, patch(time, { set: { n: 1 } }))).toBe(true);
    const after = (await store.get(kept))!;
    expect(after.keptAt).toBe(time + 1);
    expect(await store.hasEnded(kept, after)).toBe(false);
    // A copy made before the revocation has ended; so has the other session, and an expired one.
    expect(await store.hasEnded(kept, value)).toBe(true);
    expect(await store.hasEnded(other, value)).toBe(true);
    expect(await store.revokedAt('nobody')).toBeNull();
    time += 2 * HOUR;
    expect(await store.hasEnded(kept, after)).toBe(true);
  });

  it('user ids and records hold any string: U+0000, lone surrogates, quotes', async () => {
    const { store } = await fresh();
    const t = Date.now();
    const key = freshKey('strings');
    const user = 'nul\u0000"\\\ud800';
    const value = record(t, { userId: user, '\ud83c': 'x\u0000', "'; DROP TABLE x; --": 1 }, user);
    await store.set(key, value, value.expiresAt);
    expect(JSON.stringify(await store.get(key))).toBe(JSON.stringify(value));
    expect(await store.listByUser(user)).toEqual([key]);
    expect(await store.listByUser('nul')).toEqual([]);
    expect(await store.deleteByUser(user)).toBe(1);
  });

  it('a move over maxRecordBytes throws naming it, and nothing moves', async () => {
    const { store } = await fresh({ maxRecordBytes: 2048 });
    const t = Date.now();
    const [from, to] = [freshKey('big'), freshKey('big')];
    await store.set(from, record(t, { small: 'x' }), t + HOUR);
    await expect(store.move(from, to, patch(t, { set: { big: 'é'.repeat(1100) } }))).rejects.toThrow(
      /maxRecordBytes \(2048\)/,
    );
    expect((await store.get(from))?.data).toEqual({ small: 'x' });
    expect(await store.get(to)).toBeNull();
  });

  it('sweep() deletes rows expired a minute ago (more than a thousand) and old revocation times, keeps the rest', async () => {
    let time = Date.now();
    const { schema, store } = await fresh({ now: () => time });
    const live = freshKey('live');
    await store.set(live, record(time), time + HOUR);
    await store.set(freshKey('u'), record(time, {}, 'old'), time + HOUR);
    await store.deleteByUser('old');
    await db.pool.query(
      `INSERT INTO "${schema}".tessera_sessions (id, record, expires_at, sweep_at, version)
       SELECT 'expired-' || i, '{}', $1::bigint, $1::bigint, 1 FROM generate_series(1, 1500) i`,
      [time - 60_000],
    );
    expect(await store.sweep()).toBe(1500);
    expect(await store.get(live)).not.toBeNull();
    expect(await store.revokedAt('old')).toBe(time);
    // Swept within a minute of its expiry (sweep_at is rounded up to the minute).
    time += END_MARKER_MS; // an hour: the live session's expiry too
    expect(await store.get(live)).toBeNull();
    time += 60_000;
    expect(await store.sweep()).toBe(1);
    expect(await store.revokedAt('old')).toBeNull();
  });
});

describe('adapters', () => {
  it('a single node-postgres Client: statements wait for a transaction, which rolls back on error', async () => {
    const client = new pg.Client({ connectionString: db.server.url });
    await client.connect();
    try {
      const connection = nodePostgres(client);
      const schema = freshSchema('client');
      await connection.query(`CREATE SCHEMA ${schema}`, []);
      await connection.query(`CREATE TABLE ${schema}.t (n int)`, []);
      const failed = connection.transaction(async (query) => {
        await query(`INSERT INTO ${schema}.t VALUES (1)`, []);
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('body failed');
      });
      const outside = connection.query(`INSERT INTO ${schema}.t VALUES (2)`, []);
      await expect(failed).rejects.toThrow('body failed');
      await outside;
      expect((await connection.query(`SELECT n FROM ${schema}.t`, [])).map((row) => row.n)).toEqual([2]);
    } finally {
      await client.end();
    }
  });

  it('hyperdrive() connects on the first statement, once, and again after a failed connect', async () => {
    let made = 0;
    const connection = hyperdrive({ connectionString: db.server.url }, (url) => {
      made++;
      if (made === 1) throw new Error('connect failed');
      expect(url).toBe(db.server.url);
      return nodePostgres(db.pool);
    });
    expect(made).toBe(0);
    await expect(connection.query('SELECT 1 AS one', [])).rejects.toThrow('connect failed');
    expect(await connection.query('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    expect(await connection.transaction((query) => query('SELECT 2 AS two', []))).toEqual([{ two: 2 }]);
    expect(made).toBe(2);
  });
});
