/** Tessera on Node, served by @hono/node-server's fetch adapter. Run (from the repository root): `npx tsx examples/node.ts`. */
import { serve } from '@hono/node-server';
import pg from 'pg';
import { createClient } from 'redis';
import { MemoryStore, type SessionStore } from '../src/index.ts';
import { nodePostgres, PostgresStore } from '../src/stores/postgres/index.ts';
import { nodeRedis, RedisStore } from '../src/stores/redis/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

// With REDIS_URL (redis://127.0.0.1:6379) sessions live in Redis, with DATABASE_URL
// (postgres://…) in PostgreSQL, else in this process.
const url = process.env.REDIS_URL;
const database = process.env.DATABASE_URL;
let store: SessionStore = new MemoryStore();
if (url) store = new RedisStore(nodeRedis(await createClient({ url }).connect()));
else if (database) {
  const postgres = new PostgresStore(nodePostgres(new pg.Pool({ connectionString: database })));
  await postgres.ensureSchema();
  store = postgres;
}
const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), store, {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

serve({ fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, ({ port }) => {
  console.log(`Listening on http://127.0.0.1:${port}`);
});
