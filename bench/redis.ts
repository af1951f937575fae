/**
 * Sessions on Redis: the store's share of a session request that reads a
 * counter and writes it back plus one, through RedisStore (`get`, then an
 * `update` patch: one round trip each) and through connect-redis, the
 * express-session store (`get`, then `set` of the whole session: one round
 * trip each), on the same private redis-server (test/stores/redis/server.ts)
 * and the same node-redis client, in this process; beside the floor of any
 * store that writes through a script (a `GET` and a script that does
 * nothing). Then what a small patch costs on a 1 KiB record and on 64 KiB
 * ones: wall time, and the script's own time as Redis counts it
 * (`INFO commandstats`, usec per `EVALSHA`) — Redis runs one script at a
 * time, so that time is what every other client waits. Also the whole
 * request through `sessions.handle` on RedisStore, for scale.
 */
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { createSessionManager, type SessionPatch, type SessionRecord } from '../src/index.ts';
import { nodeRedis, RedisStore } from '../src/stores/redis/index.ts';
import { updateArguments } from '../src/stores/redis/record.ts';
import { type RedisServer, startRedis } from '../test/stores/redis/server.ts';
import { browserClient } from './client.ts';
import { compare } from './harness.ts';

const HOUR = 3_600_000;
const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';
/** How far a 64 KiB record's patch may cost more than a 1 KiB record's. */
const SIZE_RATIO = 1.5;

type Client = ReturnType<typeof createClient>;

const recordOf = (data: Record<string, unknown>): SessionRecord => {
  const t = Date.now();
  return { data, flash: {}, createdAt: t, lastSeenAt: t, expiresAt: t + HOUR };
};

const patch = (changes: Partial<SessionPatch>): SessionPatch => ({
  now: Date.now(),
  idleMs: HOUR,
  absoluteMs: 24 * HOUR,
  userField: 'userId',
  ...changes,
});

/** Microseconds per `EVALSHA` as Redis counts them, over `times` runs of `run`. */
async function scriptMicros(client: Client, run: () => Promise<unknown>, times: number): Promise<number> {
  await client.sendCommand(['CONFIG', 'RESETSTAT']);
  for (let i = 0; i < times; i++) await run();
  const info = String(await client.sendCommand(['INFO', 'commandstats']));
  const [, calls, usec] = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(info) ?? [];
  return Number(usec) / Number(calls);
}

export async function benchRedis(): Promise<void> {
  let server: RedisServer | undefined;
  let client: Client | undefined;
  try {
    server = await startRedis();
    client = createClient({ url: server.url });
    await client.connect();
    const redis = client;

    const tessera = new RedisStore(nodeRedis(redis), { keyPrefix: 'bench:' });
    const key = 'bench-session-key'.padEnd(43, 'x');
    const counter = recordOf({ n: 0 });
    await tessera.set(key, counter, counter.expiresAt);

    const connect = new ConnectRedisStore({ client: redis, prefix: 'sess:' });
    // express-session's SessionData: its cookie, then the app's fields.
    type SessionData = Parameters<ConnectRedisStore['set']>[1];
    const sid = 'bench-session-id';
    const cookie = { originalMaxAge: HOUR, expires: new Date(Date.now() + HOUR), httpOnly: true, path: '/' };
    await connect.set(sid, { cookie, n: 0 } as unknown as SessionData);

    // The floor reads the same record as one JSON string, and runs a script with the update's arguments.
    await redis.sendCommand(['SET', 'bench:floor', JSON.stringify(counter)]);
    const noop = String(await redis.sendCommand(['SCRIPT', 'LOAD', 'return 1']));
    const counterPatch = patch({ set: { n: 1 } });
    const patchArgs = updateArguments(counterPatch, '131072');

    await compare(
      'session store on Redis: read + write a counter (same server, same node-redis client)',
      {
        'tessera RedisStore get + update': async () => {
          const record = await tessera.get(key);
          await tessera.update(key, patch({ set: { n: ((record!.data.n as number) ?? 0) + 1 } }));
        },
        'connect-redis get + set': async () => {
          const session = (await connect.get(sid)) as { n: number };
          session.n++;
          await connect.set(sid, session as unknown as SessionData);
        },
        // What any store that writes through a Lua script pays at least: the script does nothing.
        'floor: GET + a script that does nothing': async () => {
          await redis.sendCommand(['GET', 'bench:floor']);
          await redis.sendCommand(['EVALSHA', noop, '1', `bench:{${key}}:h`, ...patchArgs]);
        },
      },
      // The target is the floor; connect-redis (a GET and a SET, 0.9× the floor
      // in earlier runs) is shown for scale.
      [{ peer: 'floor: GET + a script that does nothing', maxRatio: 1.15 }],
      // Many short rounds: a round trip's time swings with whatever else the two CPUs run.
      { rounds: 5 * Number(process.env.BENCH_ROUNDS ?? 3), minTimeMs: 100 },
    );

    // A small patch (one increment) on records of three sizes and shapes.
    const kib = 'x'.repeat(1000);
    const sized: Record<string, Record<string, unknown>> = {
      '1 KiB record': { n: 0, blob: kib },
      '64 KiB record, 64 members of 1 KiB': {
        n: 0,
        ...Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`item${i}`, `${kib}${'x'.repeat(24)}`])),
      },
      '64 KiB record, one 64 KiB member': { n: 0, blob: 'x'.repeat(65_536) },
    };
    const bump = patch({ increment: { n: 1 } });
    const runs: Record<string, () => Promise<unknown>> = {};
    for (const [name, data] of Object.entries(sized)) {
      const k = `bench-size-${name.length}-${Object.keys(data).length}`.padEnd(43, 'x');
      const value = recordOf(data);
      await tessera.set(k, value, value.expiresAt);
      runs[`update on a ${name}`] = () => tessera.update(k, { ...bump, now: Date.now() });
    }
    const names = Object.keys(runs);
    const [small, ...large] = names as [string, ...string[]];
    for (const name of large) {
      await compare(
        `a small patch (update, one increment): ${name.slice(12)} vs a 1 KiB record, wall time`,
        { [name]: runs[name]!, [small]: runs[small]! },
        [{ peer: small, maxRatio: SIZE_RATIO }],
        { rounds: 3 * Number(process.env.BENCH_ROUNDS ?? 3), minTimeMs: 100 },
      );
    }
    console.log('\n## a small patch: script time in Redis (INFO commandstats, µs per EVALSHA, 2000 runs)');
    const base = await scriptMicros(redis, runs[small]!, 2000);
    console.log(`  ${small.padEnd(56)} ${base.toFixed(2).padStart(8)} µs`);
    for (const name of large) {
      const micros = await scriptMicros(redis, runs[name]!, 2000);
      const ratio = micros / base;
      console.log(
        `  ${name.padEnd(56)} ${micros.toFixed(2).padStart(8)} µs  ${ratio.toFixed(2)}× the 1 KiB record`,
      );
      console.log(
        `  target: ≤ ${SIZE_RATIO}× the 1 KiB record's script time → ${ratio.toFixed(2)}× ${ratio <= SIZE_RATIO ? 'met' : 'MISSED'}`,
      );
    }

    const sessions = createSessionManager<{ n?: number }>({ secrets: SECRET, store: tessera });
    const handler = sessions.handle(async (_request, _env, _ctx, session) => {
      session.set('n', ((await session.get('n')) ?? 0) + 1);
      return new Response('ok');
    });
    await compare('session request on Redis through sessions.handle (engine + store)', {
      'tessera RedisStore (handle, returning client)': browserClient((r) => handler(r, undefined, undefined)),
    });
  } finally {
    client?.destroy();
    await server?.stop();
  }
}
