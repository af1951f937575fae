/**
 * RedisStore on a real Redis Cluster: three redis-server nodes on loopback
 * sharing the 16384 hash slots, through ioredis' `Cluster` and node-redis'
 * `createCluster()`. Every script keeps to one slot, so the conformance suite
 * passes with sessions and user indexes spread over the three nodes.
 */
import { Cluster } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioRedis, nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { type RedisServer, startRedis } from './server.ts';

let nodes: RedisServer[] = [];
let io: Cluster;
let node: ReturnType<typeof createCluster>;

/** Gives each node a third of the slots, introduces them, and waits (bounded) until all say the cluster is ok. */
async function formCluster(servers: RedisServer[]): Promise<void> {
  const clients = await Promise.all(servers.map((s) => createClient({ url: s.url }).connect()));
  try {
    const share = Math.ceil(16384 / servers.length);
    await Promise.all(
      clients.map((c, i) =>
        c.sendCommand([
          'CLUSTER',
          'ADDSLOTSRANGE',
          String(i * share),
          String(Math.min(16383, (i + 1) * share - 1)),
        ]),
      ),
    );
    for (const s of servers.slice(1))
      await clients[0]!.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(s.port), String(s.busPort)]);
    for (let i = 0; i < 200; i++) {
      const infos = await Promise.all(clients.map((c) => c.sendCommand(['CLUSTER', 'INFO'])));
      if (infos.every((info) => String(info).includes('cluster_state:ok'))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the Redis Cluster did not form within 10 s');
  } finally {
    for (const c of clients) c.destroy();
  }
}

beforeAll(async () => {
  nodes = await Promise.all([1, 2, 3].map(() => startRedis({ cluster: true })));
  await formCluster(nodes);
  io = new Cluster([{ host: '127.0.0.1', port: nodes[0]!.port }]);
  node = createCluster({ rootNodes: [{ url: nodes[0]!.url }] });
  await node.connect();
}, 60_000);

afterAll(async () => {
  io?.disconnect();
  await node?.destroy();
  await Promise.all(nodes.map((s) => s.stop()));
});

for (const [name, connect] of [
  ['ioredis Cluster', () => ioRedis(io)],
  ['node-redis createCluster', () => nodeRedis(node)],
] as const) {
  describe(`RedisStore conformance on a 3-node Redis Cluster through ${name}`, () => {
    let time = Date.now();
    const now = () => time;
    const checks = storeConformance(() => new RedisStore(connect(), { now }), {
      now,
      advance: (ms) => void (time += ms),
    });
    for (const check of checks) it(check.name, check.run);
  });
}

describe('RedisStore on a Redis Cluster', () => {
  it('spreads sessions over every node, and revokes a user whose sessions live on all of them', async () => {
    const store = new RedisStore(ioRedis(io), { prefix: 'spread:' });
    const t = Date.now();
    const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}-`.padEnd(43, 'x'));
    for (const key of keys)
      await store.set(
        key,
        {
          data: { userId: 'ada' },
          flash: {},
          createdAt: t,
          lastSeenAt: t,
          expiresAt: t + 60_000,
          userId: 'ada',
        },
        t + 60_000,
      );
    const held = await Promise.all(
      nodes.map(async (s) => {
        const c = await createClient({ url: s.url }).connect();
        const count = Number(await c.sendCommand(['DBSIZE']));
        c.destroy();
        return count;
      }),
    );
    expect(
      held.every((count) => count > 0),
      String(held),
    ).toBe(true);
    expect((await store.listByUser('ada')).sort()).toEqual([...keys].sort());
    expect(await store.deleteByUser('ada')).toBe(30);
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(Array(30).fill(null));
  });
});
