/**
 * What RedisStore does beyond the conformance suite, against a real
 * redis-server: Cluster-safe keys, scripts by SHA-1, expiry through Redis
 * TTLs, tombstones, index pruning, large patches, and the session engine on
 * top. (The user index against "sign out everywhere": redis-index.node.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager, readCache, type Session } from '../../../src/index.ts';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { SET } from '../../../src/stores/redis/scripts.ts';
import { UPDATE } from '../../../src/stores/redis/update-script.ts';
import { engineRoundTrip } from '../engine-round-trip.ts';
import { freshKey, HOUR, patch, record, spy, useRedis } from './helpers.ts';

const redis = useRedis();
const send = (command: string[]) => redis.send(command);

/** Redis Cluster's hash slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key. */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of new TextEncoder().encode(tagged)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

const keysOf = (command: string[]) =>
  /^EVAL(SHA)?$/.test(command[0]!) ? command.slice(3, 3 + Number(command[2])) : [command[1]!];

describe('RedisStore keys', () => {
  it('every command keeps to one hash slot (Redis Cluster), and no key holds a user id', async () => {
    const { commands, connection } = spy(redis);
    const store = new RedisStore(connection, { prefix: 'slots:' });
    const t = Date.now();
    const [a, b] = [freshKey('slot'), freshKey('slot')];
    await store.set(a, record(t, { userId: 'ada@example.com' }, 'ada@example.com'), t + HOUR);
    await store.set(b, record(t), t + HOUR);
    await store.update(b, patch(t, { set: { userId: 'ada@example.com' }, push: { list: [1] } }));
    await store.update(a, patch(t + 5000, { increment: { n: 1 }, persist: { absoluteMs: 48 * HOUR } }));
    await store.touch(a, record(t), t + 2 * HOUR);
    await store.get(a);
    expect((await store.listByUser('ada@example.com')).sort()).toEqual([a, b].sort());
    await store.delete(b);
    expect(await store.deleteByUser('ada@example.com')).toBe(1);
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) {
      const slots = new Set(keysOf(command).map(slot));
      expect(slots.size, command.join(' ')).toBe(1);
      for (const key of keysOf(command)) expect(key).not.toContain('ada');
    }
  });

  it('sends scripts by SHA-1 and their source only after NOSCRIPT', async () => {
    await send(['SCRIPT', 'FLUSH']);
    const { commands, connection } = spy(redis);
    const store = new RedisStore(connection, { prefix: 'sha:' });
    const t = Date.now();
    const k = freshKey('sha');
    await store.set(k, record(t), t + HOUR);
    for (let i = 0; i < 3; i++) await store.update(k, patch(t, { increment: { n: 1 } }));
    const names = commands.map((command) => command[0]);
    expect(names).toEqual(['EVALSHA', 'EVAL', 'EVALSHA', 'EVAL', 'EVALSHA', 'EVALSHA']);
    expect(commands[0]![1]).toBe(await SET.sha());
    expect(commands[2]![1]).toBe(await UPDATE.sha());
    expect((await store.get(k))!.data).toEqual({ n: 3 });
  });

  it('options are checked at construction', () => {
    const connection = nodeRedis(redis.client);
    expect(() => new RedisStore(redis.client as never)).toThrow(/first argument must be a Redis connection/);
    expect(() => new RedisStore(connection, { prefix: 'a{b}:' })).toThrow(/option prefix/);
    expect(() => new RedisStore(connection, { prefix: 42 as never })).toThrow(/option prefix/);
    expect(() => new RedisStore(connection, { prefix: 'x'.repeat(300) })).toThrow(/option prefix/);
    new RedisStore(connection, { prefix: '' });
  });
});

describe('RedisStore expiry and deletion', () => {
  it('a session expires in Redis at its expiresAt, a tombstone after an hour, an index with its last entry', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'ttl:' });
    const t = Date.now();
    const k = freshKey('ttl');
    await store.set(k, { ...record(t, { userId: 'grace' }, 'grace'), expiresAt: t + 90_000 }, t + 90_000);
    const pttl = Number(await send(['PTTL', `ttl:{${k}}:h`]));
    expect(pttl).toBeGreaterThan(85_000);
    expect(pttl).toBeLessThanOrEqual(90_000);
    await store.update(k, patch(Date.now(), { set: { a: 1 } }));
    expect(Number(await send(['PTTL', `ttl:{${k}}:h`]))).toBeGreaterThan(HOUR - 5000);
    const [index] = (await send(['KEYS', 'ttl:{u:*}'])) as string[];
    // The entry reaches the absolute deadline (24 h) once an update has told the store what it is.
    expect(Number(await send(['PTTL', index!]))).toBeGreaterThan(23 * HOUR);
    await store.delete(k);
    expect(await send(['EXISTS', `ttl:{${k}}:h`])).toBe(0);
    expect(Number(await send(['PTTL', `ttl:{${k}}:gone`]))).toBeGreaterThan(HOUR - 5000);
    expect(await send(['ZCARD', index!])).toBe(0);
  });

  it('a touch past what the index entry reaches extends the entry first', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'touch:' });
    const t = Date.now();
    const k = freshKey('touch');
    await store.set(k, record(t, { userId: 'tia' }, 'tia'), t + HOUR);
    await store.touch(k, { ...record(t), lastSeenAt: t + 4 * HOUR }, t + 5 * HOUR);
    const read = (await store.get(k))!;
    expect([read.lastSeenAt, read.expiresAt, read.data]).toEqual([
      t + 4 * HOUR,
      t + 5 * HOUR,
      { userId: 'tia' },
    ]);
    const [index] = (await send(['KEYS', 'touch:{u:*}'])) as string[];
    expect(Number(await send(['ZSCORE', index!, k]))).toBeGreaterThanOrEqual(t + 5 * HOUR);
    expect(Number(await send(['PTTL', `touch:{${k}}:h`]))).toBeGreaterThan(5 * HOUR - 5000);
  });

  it('a write in flight after a logout does not bring the session back', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'gone:' });
    const t = Date.now();
    const k = freshKey('gone');
    await store.set(k, record(t, { v: 1 }), t + HOUR);
    await store.delete(k);
    await expect(store.set(k, record(t, { v: 2 }), t + HOUR)).rejects.toThrow(/deleted .*while this request/);
    expect(await store.update(k, patch(t, { set: { v: 3 } }))).toBe(false);
    await store.touch(k, record(t), t + HOUR);
    expect(await store.get(k)).toBeNull();
    expect(await send(['EXISTS', `gone:{${k}}:h`])).toBe(0);
  });

  it('the user index never grows past the live sessions: expired entries are pruned on every write', async () => {
    let time = Date.now();
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'prune:', now: () => time });
    for (let i = 0; i < 30; i++) {
      const k = freshKey('prune');
      await store.set(k, { ...record(time, {}, 'lin'), expiresAt: time + 1000 }, time + 1000);
    }
    const [index] = (await send(['KEYS', 'prune:{u:*}'])) as string[];
    expect(await send(['ZCARD', index!])).toBe(30);
    time += 5 * 60_000;
    const last = freshKey('prune');
    await store.set(last, record(time, {}, 'lin'), time + HOUR);
    expect(await send(['ZRANGE', index!, '0', '-1'])).toEqual([last]);
    expect(await store.listByUser('lin')).toEqual([last]);
  });
});

describe('RedisStore at scale and behind the engine', () => {
  it('a record with 5000 keys is written and patched in full', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'large:' });
    const t = Date.now();
    const k = freshKey('large');
    const data = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    await store.set(k, record(t, data), t + HOUR);
    const increment = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 1]));
    const unset = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    expect(await store.update(k, patch(t, { increment }))).toBe(true);
    expect(await store.update(k, patch(t, { unset }))).toBe(true);
    const read = (await store.get(k))!.data;
    expect(Object.keys(read).length).toBe(2500);
    expect(read.k4999).toBe(5000);
  });

  it('login, 50 concurrent increments, logout through the session engine', () =>
    engineRoundTrip(new RedisStore(nodeRedis(redis.client), { prefix: 'engine:' })));
});

describe('RedisStore revokedAt (the read cache’s checkRevocation)', () => {
  it('records when a user was revoked; the kept session is kept after it (keptAt), keeps its authenticatedAt and its expiry', async () => {
    let time = Date.now();
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'revoked:', now: () => time });
    const [kept, other] = [freshKey('revoked'), freshKey('revoked')];
    await store.set(kept, { ...record(time, { userId: 'ada' }, 'ada'), authenticatedAt: time }, time + HOUR);
    await store.set(other, record(time, { userId: 'ada' }, 'ada'), time + HOUR);
    expect(await store.revokedAt('ada')).toBeNull();
    const ttlBefore = (await send(['PTTL', `revoked:{${kept}}:h`])) as number;
    time += 1000;
    expect(await store.deleteByUser('ada', { except: kept })).toBe(1);
    expect(await store.revokedAt('ada')).toBe(time);
    expect(await store.revokedAt('lin')).toBeNull();
    expect(await store.get(other)).toBeNull();
    const survivor = (await store.get(kept))!;
    expect(survivor.keptAt).toBe(time + 1);
    expect(survivor.authenticatedAt).toBe(time - 1000);
    expect(survivor.data).toEqual({ userId: 'ada' });
    const ttlAfter = (await send(['PTTL', `revoked:{${kept}}:h`])) as number;
    expect(ttlAfter).toBeGreaterThan(0);
    expect(ttlAfter).toBeLessThanOrEqual(ttlBefore);
  });

  it('behind a read cache with checkRevocation: "sign out everywhere else" ends the other copies at once', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'revoked-cache:' });
    const manager = createSessionManager<{ userId?: string }>({
      secrets: 'redis-test-secret-0123456789-abcdefghij',
      store,
      readCache: readCache({ maxAge: 30, checkRevocation: true }),
    });
    const jar = () => new Map<string, string>();
    const send = async (
      cookies: Map<string, string>,
      act: (s: Session<{ userId?: string }>) => Promise<unknown>,
    ) => {
      const header = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const session = manager.load(
        new Request('https://app.example/', { headers: header ? { cookie: header } : {} }),
      );
      const result = await act(session);
      const response = await manager.commit(session, new Response());
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        if (/Max-Age=0/.test(line)) cookies.delete(name);
        else cookies.set(name, value);
      }
      return result;
    };
    const [phone, laptop] = [jar(), jar()];
    for (const device of [phone, laptop]) {
      await send(device, async (s) => {
        await s.regenerate();
        s.set('userId', 'ada');
      });
      expect(await send(device, (s) => s.get('userId'))).toBe('ada'); // served from the copy
    }
    const phoneHandle = (await send(phone, async (s) => {
      await s.get('userId'); // the handle is known once the session is read
      return s.handle;
    })) as string;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await manager.revokeUserSessions('ada', { except: phoneHandle })).toBe(1);
    expect(await send(laptop, (s) => s.get('userId'))).toBeUndefined();
    expect(await send(phone, (s) => s.get('userId'))).toBe('ada');
    expect(await send(phone, (s) => s.get('userId'))).toBe('ada');
  });
});
