/**
 * Sessions on Redis: the store's share of a session request that reads a
 * counter and writes it back plus one, through RedisStore (`get`, then an
 * `update` patch: one round trip each) and through connect-redis, the
 * express-session store (`get`, then `set` of the whole session: one round
 * trip each), on the same private redis-server (test/stores/redis/server.ts)
 * and the same node-redis client, in this process. Also the whole request
 * through `sessions.handle` on RedisStore, for scale.
 */
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { createSessionManager, type SessionPatch } from '../src/index.ts';
import { nodeRedis, RedisStore } from '../src/stores/redis/index.ts';
import { patchHead, patchOperations } from '../src/stores/redis/record.ts';
import { type RedisServer, startRedis } from '../test/stores/redis/server.ts';
import { browserClient } from './client.ts';
import { compare } from './harness.ts';

const HOUR = 3_600_000;
const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';

export async function benchRedis(): Promise<void> {
  let server: RedisServer | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  try {
    server = await startRedis();
    client = createClient({ url: server.url });
    await client.connect();

    const tessera = new RedisStore(nodeRedis(client), { prefix: 'bench:' });
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

    const connect = new ConnectRedisStore({ client, prefix: 'sess:' });
    // express-session's SessionData: its cookie, then the app's fields.
    type SessionData = Parameters<ConnectRedisStore['set']>[1];
    const sid = 'bench-session-id';
    const cookie = { originalMaxAge: HOUR, expires: new Date(t + HOUR), httpOnly: true, path: '/' };
    await connect.set(sid, { cookie, n: 0 } as unknown as SessionData);

    const noop = String(await client.sendCommand(['SCRIPT', 'LOAD', 'return 1']));
    const patchArgs = [...patchHead(patch(1)), '', '0', '0', ...patchOperations(patch(1))];

    const sessions = createSessionManager<{ n?: number }>({ secrets: SECRET, store: tessera });
    const counter = sessions.handle(async (_request, _env, _ctx, session) => {
      session.set('n', ((await session.get('n')) ?? 0) + 1);
      return new Response('ok');
    });

    await compare(
      'session store on Redis: read + write a counter (same server, same node-redis client)',
      {
        'tessera RedisStore get + update': async () => {
          const record = await tessera.get(key);
          await tessera.update(key, patch(((record!.data.n as number) ?? 0) + 1));
        },
        'connect-redis get + set': async () => {
          const session = (await connect.get(sid)) as { n: number };
          session.n++;
          await connect.set(sid, session as unknown as SessionData);
        },
        // What any store that writes through a Lua script pays at least: the script does nothing.
        'floor: GET + a script that does nothing': async () => {
          await client!.sendCommand(['GET', `bench:{${key}}`]);
          await client!.sendCommand(['EVALSHA', noop, '1', `bench:{${key}}`, ...patchArgs]);
        },
      },
      [{ peer: 'connect-redis get + set', maxRatio: 0.8 }],
      // Many short rounds: a round trip's time swings with whatever else the two CPUs run.
      { rounds: 5 * Number(process.env.BENCH_ROUNDS ?? 3), minTimeMs: 100 },
    );
    await compare('session request on Redis through sessions.handle (engine + store)', {
      'tessera RedisStore (handle, returning client)': browserClient((r) => counter(r, undefined, undefined)),
    });
  } finally {
    client?.destroy();
    await server?.stop();
  }
}
