/** Tessera on Node, served by @hono/node-server's fetch adapter. Run (from the repository root): `npx tsx examples/node.ts`. */
import { serve } from '@hono/node-server';
import { createClient } from 'redis';
import { MemoryStore } from '../src/index.ts';
import { nodeRedis, RedisStore } from '../src/stores/redis/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

// With REDIS_URL (redis://127.0.0.1:6379) sessions live in Redis, else in this process.
const url = process.env.REDIS_URL;
const store = url ? new RedisStore(nodeRedis(await createClient({ url }).connect())) : new MemoryStore();
const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), store, {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

serve({ fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, ({ port }) => {
  console.log(`Listening on http://127.0.0.1:${port}`);
});
