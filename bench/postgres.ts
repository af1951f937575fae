/**
 * Sessions on PostgreSQL: the store's share of a session request that reads
 * a counter and writes it back plus one, through PostgresStore (`get`, then
 * an `update` patch: one statement each, the update a compare-and-swap on
 * the version the get saw) and through connect-pg-simple, the
 * express-session store (`get`, then `set` of the whole session: one
 * statement each), on the same private PostgreSQL
 * (test/stores/postgres/server.ts) and the same node-postgres pool, in this
 * process. The floor is one SELECT and one UPDATE of the same row. Also the
 * whole request through `sessions.handle` on PostgresStore, for scale.
 */
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import { createSessionManager, type SessionPatch } from '../src/index.ts';
import { nodePostgres, PostgresStore } from '../src/stores/postgres/index.ts';
import { type PostgresServer, startPostgres } from '../test/stores/postgres/server.ts';
import { browserClient } from './client.ts';
import { compare } from './harness.ts';

const HOUR = 3_600_000;
const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';

export async function benchPostgres(): Promise<void> {
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  try {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 4 });

    const tessera = new PostgresStore(nodePostgres(pool), { schema: 'bench' });
    await tessera.ensureSchema();
    const key = 'bench-session-key'.padEnd(43, 'x');
    const t = Date.now();
    await tessera.set(
      key,
      { data: { n: 0 }, flash: {}, createdAt: t, lastSeenAt: t, expiresAt: t + HOUR },
      t + HOUR,
    );
    const patch = (n: number): SessionPatch => ({
      set: { n },
      now: Date.now(),
      idleMs: HOUR,
      absoluteMs: 24 * HOUR,
      userField: 'userId',
    });

    // connect-pg-simple's own table (its table.sql), no pruning timer.
    await pool.query(`CREATE TABLE IF NOT EXISTS "session" (
      "sid" varchar NOT NULL COLLATE "default" PRIMARY KEY, "sess" json NOT NULL, "expire" timestamp(6) NOT NULL)`);
    await pool.query('CREATE INDEX IF NOT EXISTS "IDX_session_expire" ON "session" ("expire")');
    const PgStore = connectPgSimple(session);
    const connect = new PgStore({ pool, pruneSessionInterval: false });
    const sid = 'bench-session-id';
    const cookie = { originalMaxAge: HOUR, expires: new Date(t + HOUR), httpOnly: true, path: '/' };
    type SessionData = Parameters<typeof connect.set>[1];
    const connectGet = (id: string) =>
      new Promise<SessionData>((resolve, reject) =>
        connect.get(id, (error, value) => (error ? reject(error) : resolve(value as SessionData))),
      );
    const connectSet = (id: string, value: SessionData) =>
      new Promise<void>((resolve, reject) =>
        connect.set(id, value, (error?: unknown) => (error ? reject(error) : resolve())),
      );
    await connectSet(sid, { cookie, n: 0 } as unknown as SessionData);

    const table = '"bench"."tessera_sessions"';
    const sessions = createSessionManager<{ n?: number }>({ secrets: SECRET, store: tessera });
    const counter = sessions.handle(async (_request, _env, _ctx, s) => {
      s.set('n', ((await s.get('n')) ?? 0) + 1);
      return new Response('ok');
    });

    await compare(
      'session store on PostgreSQL: read + write a counter (same server, same node-postgres pool)',
      {
        'tessera PostgresStore get + update': async () => {
          const record = await tessera.get(key);
          await tessera.update(key, patch(((record!.data.n as number) ?? 0) + 1));
        },
        'connect-pg-simple get + set': async () => {
          const value = (await connectGet(sid)) as unknown as { n: number };
          value.n++;
          await connectSet(sid, value as unknown as SessionData);
        },
        // What any store pays at least: read the row, write it back.
        'floor: one SELECT + one UPDATE': async () => {
          const { rows } = await pool!.query(`SELECT record, version FROM ${table} WHERE id = $1`, [key]);
          await pool!.query(`UPDATE ${table} SET record = $2 WHERE id = $1`, [key, rows[0].record]);
        },
      },
      [{ peer: 'connect-pg-simple get + set', maxRatio: 1.0 }],
      // Many short rounds: a round trip's time swings with whatever else the two CPUs run.
      { rounds: 5 * Number(process.env.BENCH_ROUNDS ?? 3), minTimeMs: 100 },
    );
    await compare('session request on PostgreSQL through sessions.handle (engine + store)', {
      'tessera PostgresStore (handle, returning client)': browserClient((r) =>
        counter(r, undefined, undefined),
      ),
    });
  } finally {
    await pool?.end();
    await server?.stop();
  }
}
