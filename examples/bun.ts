/** Tessera on Bun with `Bun.serve`. Run (from the repository root): `npx bun examples/bun.ts`. */
import { MemoryStore, type SessionStore } from '../src/index.ts';
import { type BunSqlLike, bunSql, PostgresStore } from '../src/stores/postgres/index.ts';
import { type BunRedisLike, bunRedis, RedisStore } from '../src/stores/redis/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): {
    port: number;
  };
  RedisClient: new (url: string) => BunRedisLike;
  SQL: new (url: string) => BunSqlLike;
};

// With REDIS_URL (redis://127.0.0.1:6379) sessions live in Redis, with DATABASE_URL
// (postgres://…) in PostgreSQL, through Bun's own clients, else in this process.
const url = process.env.REDIS_URL;
const database = process.env.DATABASE_URL;
let store: SessionStore = new MemoryStore();
if (url) store = new RedisStore(bunRedis(new Bun.RedisClient(url)));
else if (database) {
  const postgres = new PostgresStore(bunSql(new Bun.SQL(database)));
  await postgres.ensureSchema();
  store = postgres;
}
const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), store, {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000), fetch });
console.log(`Listening on http://127.0.0.1:${server.port}`);
