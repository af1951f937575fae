/**
 * PostgresStore when PostgreSQL fails or is slow: the server stopped in the
 * middle of a request, a pool at its limit, a statement timeout, and 50
 * concurrent patches to one session from two processes' worth of clients.
 * A request that cannot reach its session fails (the handler rejects) —
 * never a fresh session that would overwrite the stored one, never a
 * success whose write was lost; afterwards the same cookie works again.
 */
import pg from 'pg';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../../../src/index.ts';
import {
  nodePostgres,
  type PostgresConnection,
  PostgresStore,
  postgresJs,
} from '../../../src/stores/postgres/index.ts';
import { freshKey, freshSchema, HOUR, patch, record, usePostgres } from './helpers.ts';

type Data = { userId?: string; n?: number; log?: number[] };
const SECRET = 'postgres-fault-test-secret-0123456789-abcdef';
const db = usePostgres();

async function storeOn(connection: PostgresConnection): Promise<PostgresStore> {
  const store = new PostgresStore(connection, { schema: freshSchema('faults') });
  await store.ensureSchema();
  return store;
}

function counterApp(store: PostgresStore) {
  const sessions = createSessionManager<Data>({ secrets: SECRET, store });
  const handler = sessions.handle(async (request, _env, _ctx, s) => {
    if (new URL(request.url).pathname === '/login') {
      await s.regenerate();
      s.set('userId', 'ada');
    } else s.increment('n');
    return Response.json({ userId: (await s.get('userId')) ?? null, n: (await s.get('n')) ?? 0 });
  });
  return (path: string, cookie?: string) =>
    handler(
      new Request(`https://app.example${path}`, { headers: cookie ? { cookie } : {} }),
      undefined,
      undefined,
    );
}

const cookieOf = (response: Response) => response.headers.getSetCookie()[0]!.split(';')[0]!;

describe('PostgresStore faults', () => {
  it('the server stopped mid-request: the request fails, nothing is lost, the cookie works once it is back', async () => {
    let halt = false;
    const inner = nodePostgres(db.pool);
    // Stops the server after the request read its session, before its write.
    const connection: PostgresConnection = {
      query: async (text, params) => {
        if (halt && text.startsWith('UPDATE')) {
          halt = false;
          await db.server.halt();
        }
        return inner.query(text, params);
      },
      transaction: (body) => inner.transaction(body),
    };
    const store = await storeOn(connection);
    const request = counterApp(store);
    const cookie = cookieOf(await request('/login'));
    try {
      expect(await (await request('/count', cookie)).json()).toEqual({ userId: 'ada', n: 1 });
      halt = true;
      await expect(request('/count', cookie)).rejects.toThrow();
      await expect(request('/count', cookie)).rejects.toThrow();
    } finally {
      await db.server.restart();
    }
    const again = await request('/count', cookie);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.json()).toEqual({ userId: 'ada', n: 2 });
  }, 30_000);

  it('a pool at its limit: 50 concurrent requests queue for two connections and all count', async () => {
    const pool = new pg.Pool({ connectionString: db.server.url, max: 2 });
    try {
      const store = await storeOn(nodePostgres(pool));
      const request = counterApp(store);
      const cookie = cookieOf(await request('/login'));
      await Promise.all(Array.from({ length: 50 }, () => request('/count', cookie)));
      expect(await (await request('/count', cookie)).json()).toEqual({ userId: 'ada', n: 51 });
    } finally {
      await pool.end();
    }
  }, 30_000);

  it('a pool that cannot lend a connection in time: the request fails, the session stays', async () => {
    const pool = new pg.Pool({ connectionString: db.server.url, max: 1, connectionTimeoutMillis: 200 });
    try {
      const store = await storeOn(nodePostgres(pool));
      const request = counterApp(store);
      const cookie = cookieOf(await request('/login'));
      const held = await pool.connect();
      try {
        await expect(request('/count', cookie)).rejects.toThrow(/timeout/i);
      } finally {
        held.release();
      }
      expect(await (await request('/count', cookie)).json()).toEqual({ userId: 'ada', n: 1 });
    } finally {
      await pool.end();
    }
  }, 30_000);

  it('a statement timeout (a row locked elsewhere): update rejects, the record stays, the next update applies', async () => {
    const pool = new pg.Pool({ connectionString: db.server.url, max: 2, statement_timeout: 300 });
    const schema = freshSchema('timeout');
    try {
      const store = new PostgresStore(nodePostgres(pool), { schema });
      await store.ensureSchema();
      const key = freshKey('locked');
      const t = Date.now();
      await store.set(key, record(t, { n: 1 }), t + HOUR);
      const locker = await db.pool.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM "${schema}".tessera_sessions WHERE id = $1 FOR UPDATE`, [key]);
        const started = Date.now();
        await expect(store.update(key, patch(t, { increment: { n: 1 } }))).rejects.toThrow(
          /statement timeout/,
        );
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await locker.query('ROLLBACK');
        locker.release();
      }
      expect((await store.get(key))?.data).toEqual({ n: 1 });
      expect(await store.update(key, patch(t, { increment: { n: 1 } }))).toBe(true);
      expect((await store.get(key))?.data).toEqual({ n: 2 });
    } finally {
      await pool.end();
    }
  }, 30_000);

  it('50 concurrent patches to one session through two clients lose nothing', async () => {
    const sql = postgres(db.server.url, { max: 4, onnotice: () => undefined });
    try {
      const schema = freshSchema('concurrent');
      const a = new PostgresStore(nodePostgres(db.pool), { schema });
      const b = new PostgresStore(postgresJs(sql), { schema });
      await a.ensureSchema();
      const key = freshKey('fifty');
      const t = Date.now();
      await a.set(key, record(t, { log: [] }), t + HOUR);
      await Promise.all([a.get(key), b.get(key)]);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b).update(
            key,
            patch(t, { increment: { n: 1 }, push: { log: [i] }, set: { [`k${i}`]: i } }),
          ),
        ),
      );
      expect(results.every(Boolean)).toBe(true);
      const data = (await b.get(key))!.data;
      expect(data.n).toBe(50);
      expect([...(data.log as number[])].sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
      for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(i);
    } finally {
      await sql.end();
    }
  }, 30_000);
});
