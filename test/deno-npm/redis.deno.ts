/**
 * RedisStore through node-redis (`npm:redis`, resolved from the project's
 * node_modules) under real Deno. Run by test/stores/redis/deno.node.test.ts
 * (inside `npm test`) against its private redis-server, or directly:
 * `REDIS_URL=redis://127.0.0.1:6379 deno test --no-config --node-modules-dir=manual --allow-net --allow-env test/deno-npm/redis.deno.ts`.
 * (Files here use npm packages, unlike test/deno, which runs with --no-npm.)
 */
import { createClient } from 'npm:redis';
import { nodeRedis, RedisStore } from '../../src/stores/redis/index.ts';
import { storeConformance } from '../../src/testing/index.ts';
import { engineRoundTrip } from '../stores/engine-round-trip.ts';

const url = Deno.env.get('REDIS_URL');
if (!url) throw new Error('REDIS_URL must name the test redis-server');
const client = createClient({ url });
await client.connect();

// One client for every test: Deno's leak checks would see a client per test as leaked.
const test = (name: string, run: () => Promise<void>) =>
  Deno.test({ name, fn: run, sanitizeOps: false, sanitizeResources: false });

{
  let time = Date.now();
  const now = () => time;
  const checks = storeConformance(
    () => new RedisStore(nodeRedis(client), { prefix: 'deno:', now, maxRecordBytes: 100_000 }),
    {
      now,
      advance: (ms) => void (time += ms),
      maxRecordBytes: 100_000,
    },
  );
  for (const check of checks) test(`conformance: ${check.name}`, check.run);
}

test('behind the session engine: login, 50 concurrent increments, logout', () =>
  engineRoundTrip(new RedisStore(nodeRedis(client), { prefix: 'deno-engine:' })));

test('closes the client', async () => {
  client.destroy();
});
