/**
 * RedisStore's size limit (`maxRecordBytes`) behind the session engine, and
 * large records: patched concurrently, and patched at a cost that does not
 * grow with them — Redis' MONITOR shows what the update script reads.
 */
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { createSessionManager, type Session } from '../../../src/index.ts';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { freshKey, HOUR, patch, record, useRedis } from './helpers.ts';

const redis = useRedis();
type Data = { userId?: string; n?: number; note?: string };

/** A client of a manager: sends requests with its cookies, keeps what the responses set. */
function browser(manager: ReturnType<typeof createSessionManager<Data>>) {
  const cookies = new Map<string, string>();
  return async <R>(act: (s: Session<Data>) => Promise<R> | R): Promise<R> => {
    const header = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const session = manager.load(
      new Request('https://app.example/', { headers: header ? { cookie: header } : {} }),
    );
    const result = await act(session);
    const response = await manager.commit(session, new Response());
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      cookies.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
    }
    return result;
  };
}

/** 64 members of 1 KiB: a 64 KiB record. */
const bulky = () => Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`item${i}`, 'x'.repeat(1024)]));

describe('RedisStore maxRecordBytes behind the session engine', () => {
  it('a write that makes the record too big fails the commit, naming the option; the session keeps its data', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'limit:', maxRecordBytes: 4096 });
    const send = browser(
      createSessionManager<Data>({ secrets: 'redis-size-secret-0123456789-abcdefgh', store }),
    );
    await send((s) => s.set('n', 1));
    await expect(send((s) => s.set('note', 'é'.repeat(2100)))).rejects.toThrow(
      /RedisStore: this session record is \d+ bytes, over the store's maxRecordBytes \(4096\)/,
    );
    expect(await send(async (s) => [await s.get('n'), await s.get('note')])).toEqual([1, undefined]);
    // Up to the limit is fine, and a record can always shrink.
    await send((s) => s.set('note', 'é'.repeat(1900)));
    expect((await send((s) => s.get('note')))?.length).toBe(1900);
    await send((s) => s.unset('note'));
    expect(await send((s) => s.get('note'))).toBeUndefined();
  });

  it('a new session too big to write fails its commit and leaves nothing', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'limit:', maxRecordBytes: 4096 });
    const send = browser(
      createSessionManager<Data>({ secrets: 'redis-size-secret-0123456789-abcdefgh', store }),
    );
    await expect(send((s) => s.set('note', 'x'.repeat(5000)))).rejects.toThrow(/maxRecordBytes \(4096\)/);
    expect(await send((s) => s.get('note'))).toBeUndefined();
  });

  it('the option is checked at construction', () => {
    const connection = nodeRedis(redis.client);
    for (const bad of [0, 100, 1.5, -1, Number.NaN, '4096', 2 ** 40])
      expect(() => new RedisStore(connection, { maxRecordBytes: bad as never })).toThrow(
        /option maxRecordBytes/,
      );
    new RedisStore(connection, { maxRecordBytes: 1024 });
  });
});

describe('RedisStore with a 64 KiB record', () => {
  it('50 concurrent patches and 50 concurrent increments all survive, and the rest is untouched', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'big:' });
    const t = Date.now();
    const k = freshKey('big');
    const value = record(t, bulky());
    await store.set(k, value, t + HOUR);
    const results = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => store.update(k, patch(t, { set: { [`k${i}`]: i } }))),
      ...Array.from({ length: 50 }, (_, i) =>
        store.update(k, patch(t, { increment: { n: 1 }, push: { log: [i] } })),
      ),
    ]);
    expect(results.every(Boolean)).toBe(true);
    const data = (await store.get(k))!.data;
    for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(i);
    expect(data.n).toBe(50);
    expect((data.log as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const [name, text] of Object.entries(value.data)) expect(data[name]).toBe(text);
    expect(Object.keys(data).slice(0, 64)).toEqual(Object.keys(value.data));
  });

  it('a small patch reads and writes only the fields it names, never the whole record', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'cost:' });
    const t = Date.now();
    const k = freshKey('cost');
    await store.set(k, record(t, { ...bulky(), n: 1 }), t + HOUR);
    const seen: string[] = [];
    const monitor = createClient({ url: redis.server.url });
    await monitor.connect();
    try {
      await monitor.monitor((line) => void seen.push(String(line)));
      await store.update(k, patch(t, { increment: { n: 1 }, flash: { note: 'hi' } }));
      await store.touch(k, { ...record(t), lastSeenAt: t + 1000 }, t + HOUR + 1000);
      // MONITOR reports a script's own commands after the script: wait for them (bounded).
      for (let i = 0; i < 100 && !seen.some((line) => line.includes('"PEXPIRE"')); i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      monitor.destroy();
    }
    const inner = seen.filter((line) => line.includes(' lua] '));
    expect(inner.length).toBeGreaterThan(0);
    const reads = inner.filter((line) => /"(HGET|HMGET|HGETALL|GET|HVALS|HSCAN|HKEYS|DUMP)"/.test(line));
    for (const line of reads) {
      expect(line).toMatch(/"(HGET|HMGET)"/);
      expect(line).not.toContain('item');
    }
    for (const line of inner) expect(line.length, line).toBeLessThan(1000);
    expect((await store.get(k))!.data.item63).toBe('x'.repeat(1024));
    expect((await store.get(k))!.flash).toEqual({ note: 'hi' });
  });
});
