/** Tessera on Bun with `Bun.serve`. Run (from the repository root): `npx bun examples/bun.ts`. */
import { MemoryStore } from '../src/index.ts';
import { type BunRedisLike, bunRedis, RedisStore } from '../src/stores/redis/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): {
    port: number;
  };
  RedisClient: new (url: string) => BunRedisLike;
};

// With REDIS_URL (redis://127.0.0.1:6379) sessions live in Redis, through Bun's own client, else in this process.
const url = process.env.REDIS_URL;
const store = url ? new RedisStore(bunRedis(new Bun.RedisClient(url))) : new MemoryStore();
const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), store, {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000), fetch });
console.log(`Listening on http://127.0.0.1:${server.port}`);
