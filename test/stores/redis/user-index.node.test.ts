/**
 * RedisStore's user index against "sign out everywhere" (deleteByUser), on a
 * real redis-server: the index is written before the session, so a login
 * racing a revocation either is revoked with the rest or fails, and one
 * that starts after it stands (the module comment of src/stores/redis/index.ts).
 */
import { describe, expect, it } from 'vitest';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { INDEX, SET } from '../../../src/stores/redis/scripts.ts';
import { UPDATE } from '../../../src/stores/redis/update-script.ts';
import { freshKey, HOUR, patch, record, spy, useRedis } from './helpers.ts';

const redis = useRedis();
let n = 0;

describe('RedisStore user index against "sign out everywhere"', () => {
  const user = () => `racer-${n++}`;

  it('a login whose index write the revocation saw fails, and leaves nothing behind', async () => {
    const u = user();
    const revoker = new RedisStore(nodeRedis(redis.client), { prefix: 'race:' });
    const { connection } = spy(redis, async (command) => {
      if (command[1] === (await SET.sha())) await revoker.deleteByUser(u);
    });
    const store = new RedisStore(connection, { prefix: 'race:' });
    const t = Date.now();
    const k = freshKey('race');
    await expect(store.set(k, record(t, { userId: u }, u), t + HOUR)).rejects.toThrow(/revoked/);
    expect(await store.get(k)).toBeNull();
    expect(await store.listByUser(u)).toEqual([]);
  });

  it('a login without a new id (an update naming the user) racing the revocation fails; the session stays anonymous', async () => {
    const u = user();
    const revoker = new RedisStore(nodeRedis(redis.client), { prefix: 'race:' });
    let updates = 0;
    const { connection } = spy(redis, async (command) => {
      if (command[1] === (await UPDATE.sha()) && ++updates === 2) await revoker.deleteByUser(u);
    });
    const store = new RedisStore(connection, { prefix: 'race:' });
    const t = Date.now();
    const k = freshKey('race');
    await store.set(k, record(t, { cart: ['tea'] }), t + HOUR);
    await expect(store.update(k, patch(t, { set: { userId: u } }))).rejects.toThrow(/revoked/);
    expect((await store.get(k))?.data).toEqual({ cart: ['tea'] });
    expect(await store.listByUser(u)).toEqual([]);
    // A later login on the same session is not a race: it stands.
    expect(await store.update(k, patch(t, { set: { userId: u } }))).toBe(true);
    expect(await store.listByUser(u)).toEqual([k]);
  });

  it('a login after the revocation stands; one before it is revoked with the rest', async () => {
    const u = user();
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'race:' });
    const t = Date.now();
    const [before, after] = [freshKey('race'), freshKey('race')];
    await store.set(before, record(t, { userId: u }, u), t + HOUR);
    expect(await store.deleteByUser(u)).toBe(1);
    await store.set(after, record(t, { userId: u }, u), t + HOUR);
    expect(await store.get(before)).toBeNull();
    expect(await store.listByUser(u)).toEqual([after]);
  });

  it("a session that moved to another user is listed for the new one only, and survives the old one's revocation", async () => {
    const [first, second] = [user(), user()];
    const store = new RedisStore(nodeRedis(redis.client), { prefix: 'race:' });
    const t = Date.now();
    const k = freshKey('moved');
    await store.set(k, record(t, { userId: first }, first), t + HOUR);
    await store.update(k, patch(t, { set: { userId: second } }));
    expect(await store.listByUser(first)).toEqual([]);
    expect(await store.deleteByUser(first)).toBe(0);
    expect((await store.get(k))?.userId).toBe(second);
    expect(await store.listByUser(second)).toEqual([k]);
    expect(await store.deleteByUser(second)).toBe(1);
    expect(await store.get(k)).toBeNull();
  });

  it('the common update is one round trip; the index is extended once per session, not per request', async () => {
    const { commands, connection } = spy(redis);
    const store = new RedisStore(connection, { prefix: 'trips:' });
    const t = Date.now();
    const k = freshKey('trips');
    await store.set(k, record(t, { userId: 'max' }, 'max'), t + HOUR);
    commands.length = 0;
    const minutes = (m: number) => patch(t + m * 60_000, { increment: { n: 1 } });
    // Each update 20 minutes after the last: the fourth goes past the hour the login's entry
    // reached, so it writes the index once more, up to the absolute deadline, and tries again.
    for (let i = 1; i <= 6; i++) expect(await store.update(k, minutes(20 * i))).toBe(true);
    const scripts = async () => {
      const [update, index] = [await UPDATE.sha(), await INDEX.sha()];
      return commands.map(([name, sha]) =>
        name !== 'EVALSHA' ? name : sha === update ? 'update' : sha === index ? 'index' : sha,
      );
    };
    expect(await scripts()).toEqual([
      'update',
      'update',
      'update',
      'update',
      'index',
      'update',
      'update',
      'update',
    ]);
    commands.length = 0;
    for (let i = 7; i <= 11; i++) expect(await store.update(k, minutes(20 * i))).toBe(true);
    expect(await scripts()).toEqual(Array(5).fill('update'));
    expect((await store.get(k))!.data.n).toBe(11);
  });
});
