/**
 * RedisStore.move (regenerate) against deletions and revocations in flight,
 * and hasEnded, on a real redis-server. `move` takes several steps across
 * hash slots (src/stores/redis/move.ts); these tests run a `delete` or a
 * `deleteByUser` before each command `move` sends, and `move` before each
 * command they send, and check that no interleaving brings a session back.
 */
import { describe, expect, it } from 'vitest';
import { renewRecord, type SessionRecord } from '../../../src/store/index.ts';
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { freshKey, HOUR, patch, record, spy, useRedis } from './helpers.ts';

const redis = useRedis();
let n = 0;

/** A session of a user that authenticated a minute ago. */
function session(t: number, user: string): SessionRecord {
  return { ...record(t - 60_000, { userId: user, cart: ['tea'] }, user), authenticatedAt: t - 60_000 };
}

/** How many commands `run` sends through a spying store. */
async function commandsOf(run: (store: RedisStore) => Promise<unknown>): Promise<number> {
  const { commands, connection } = spy(redis);
  await run(new RedisStore(connection, { keyPrefix: 'move:' }));
  return commands.length;
}

/**
 * Runs `outer` through a store that, just before its `at`-th command, runs
 * `inner` to the end on a plain store; resolves to both outcomes.
 */
async function interleave<A, B>(
  at: number,
  outer: (store: RedisStore) => Promise<A>,
  inner: (store: RedisStore) => Promise<B>,
): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B> | undefined]> {
  const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
  let sent = 0;
  let innerResult: PromiseSettledResult<B> | undefined;
  const { connection } = spy(redis, async () => {
    if (sent++ === at) [innerResult] = await Promise.allSettled([inner(plain)]);
  });
  const [outerResult] = await Promise.allSettled([outer(new RedisStore(connection, { keyPrefix: 'move:' }))]);
  // An inner step past the outer's last command runs after it.
  if (innerResult === undefined) [innerResult] = await Promise.allSettled([inner(plain)]);
  return [outerResult, innerResult];
}

describe('RedisStore.move against a delete of the old id', () => {
  it('in every interleaving the old id ends, and the new one lives only if the move came first', async () => {
    const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
    const t = Date.now();
    const user = `mover-${n++}`;
    const steps = await commandsOf(async (store) => {
      const [from, to] = [freshKey('count'), freshKey('count')];
      await plain.set(from, session(t, user), t + HOUR);
      await store.move(from, to, patch(t));
    });
    expect(steps).toBeGreaterThanOrEqual(4);
    for (const moveFirst of [true, false]) {
      for (let at = 0; at <= steps; at++) {
        const [from, to] = [freshKey('del'), freshKey('del')];
        await plain.set(from, session(t, user), t + HOUR);
        const move = (store: RedisStore) => store.move(from, to, patch(t, { set: { n: at } }));
        const remove = (store: RedisStore) => store.delete(from);
        const [a, b] = moveFirst ? await interleave(at, move, remove) : await interleave(at, remove, move);
        const moved = moveFirst ? a : b;
        expect(a.status, `${moveFirst} ${at}`).toBe('fulfilled');
        expect(b?.status, `${moveFirst} ${at}`).toBe('fulfilled');
        expect(await plain.get(from), `old id, ${moveFirst} ${at}`).toBeNull();
        const carried = await plain.get(to);
        if ((moved as PromiseFulfilledResult<boolean>).value) {
          expect(carried?.data, `new id, ${moveFirst} ${at}`).toEqual({ userId: user, cart: ['tea'], n: at });
          expect(await plain.listByUser(user)).toContain(to);
        } else expect(carried, `new id, ${moveFirst} ${at}`).toBeNull();
        expect(await plain.listByUser(user)).not.toContain(from);
        // The old id stays ended: a write in flight with it is refused.
        expect(await plain.update(from, patch(t, { set: { late: true } }))).toBe(false);
      }
    }
  });
});

describe('RedisStore.move against "sign out everywhere"', () => {
  it('in every interleaving with deleteByUser, neither id survives', async () => {
    const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
    const t = Date.now();
    const moveSteps = 8;
    const revokeSteps = await commandsOf(async (store) => {
      const u = `count-${n++}`;
      await plain.set(freshKey('count'), session(t, u), t + HOUR);
      await store.deleteByUser(u);
    });
    for (const moveFirst of [true, false]) {
      for (let at = 0; at <= (moveFirst ? moveSteps : revokeSteps); at++) {
        const user = `revoked-${n++}`;
        const [from, to, other] = [freshKey('rev'), freshKey('rev'), freshKey('rev')];
        await plain.set(from, session(t, user), t + HOUR);
        await plain.set(other, session(t, user), t + HOUR);
        const move = (store: RedisStore) => store.move(from, to, patch(t, { set: { n: at } }));
        const revoke = (store: RedisStore) => store.deleteByUser(user);
        const [a, b] = moveFirst ? await interleave(at, move, revoke) : await interleave(at, revoke, move);
        expect(a.status, `${moveFirst} ${at}`).toBe('fulfilled');
        expect(b?.status, `${moveFirst} ${at}`).toBe('fulfilled');
        for (const key of [from, to, other]) expect(await plain.get(key), `${moveFirst} ${at}`).toBeNull();
        expect(await plain.listByUser(user), `${moveFirst} ${at}`).toEqual([]);
      }
    }
  });

  it('a revocation whose time is set but which has not reached the old id yet still ends the move', async () => {
    const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
    const t = Date.now();
    const user = `half-${n++}`;
    const [from, to] = [freshKey('half'), freshKey('half')];
    await plain.set(from, session(t, user), t + HOUR);
    // deleteByUser is paused just before it deletes what it listed; the move runs then.
    let moved: boolean | undefined;
    const { connection } = spy(redis, async (command) => {
      if (
        moved === undefined &&
        command[0] === 'EVALSHA' &&
        command.includes(JSON.stringify(user)) &&
        command[3]?.endsWith(':h')
      )
        moved = await plain.move(from, to, patch(t + 1000));
    });
    await new RedisStore(connection, { keyPrefix: 'move:' }).deleteByUser(user);
    expect(moved).toBe(false);
    expect(await plain.get(from)).toBeNull();
    expect(await plain.get(to)).toBeNull();
  });

  it('the session "sign out everywhere else" keeps moves with its keptAt, or ends as if it had moved first', async () => {
    const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
    const t = Date.now();
    for (let at = 0; at <= 8; at++) {
      const user = `kept-${n++}`;
      const [from, to, other] = [freshKey('kept'), freshKey('kept'), freshKey('kept')];
      await plain.set(from, session(t, user), t + HOUR);
      await plain.set(other, session(t, user), t + HOUR);
      const [a, b] = await interleave(
        at,
        (store) => store.move(from, to, patch(t)),
        (store) => store.deleteByUser(user, { except: from }),
      );
      expect([a.status, b?.status]).toEqual(['fulfilled', 'fulfilled']);
      expect(await plain.get(other)).toBeNull();
      expect(await plain.get(from)).toBeNull();
      const carried = await plain.get(to);
      // Kept before the move read it (0) or before it wrote the index (1): the move carries the kept
      // session. Later, the revocation may have listed the new id too: then both end, which is what
      // the move coming first would have left (as a revocation after the move does). Never the old
      // id, never a carried session that ends.
      if (at <= 1) expect(carried, String(at)).not.toBeNull();
      if (carried !== null) expect((a as PromiseFulfilledResult<boolean>).value, String(at)).toBe(true);
      if (carried !== null) expect(await plain.hasEnded(to, carried), String(at)).toBe(false);
    }
  });
});

describe('RedisStore.move against an update of the old id', () => {
  it('in every interleaving an update that answered true is carried to the new id', async () => {
    const plain = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:' });
    const t = Date.now();
    for (const moveFirst of [true, false]) {
      for (let at = 0; at <= 6; at++) {
        const user = `updated-${n++}`;
        const [from, to] = [freshKey('upd'), freshKey('upd')];
        await plain.set(from, session(t, user), t + HOUR);
        const move = (store: RedisStore) => store.move(from, to, patch(t, { set: { moved: true } }));
        const update = (store: RedisStore) => store.update(from, patch(t, { push: { cart: ['jam'] } }));
        const [a, b] = moveFirst ? await interleave(at, move, update) : await interleave(at, update, move);
        const [moved, updated] = (moveFirst ? [a, b] : [b, a]) as PromiseFulfilledResult<boolean>[];
        expect(moved!.value, `${moveFirst} ${at}`).toBe(true);
        const carried = (await plain.get(to))!;
        expect(carried.data.cart, `${moveFirst} ${at}`).toEqual(updated!.value ? ['tea', 'jam'] : ['tea']);
        expect(await plain.get(from)).toBeNull();
      }
    }
  });
});

describe('RedisStore.move', () => {
  it('renews the record, moves its index entry, and refuses a record over maxRecordBytes without touching it', async () => {
    const store = new RedisStore(nodeRedis(redis.client), { keyPrefix: 'move:', maxRecordBytes: 4096 });
    const t = Date.now();
    const user = `renew-${n++}`;
    const [from, to] = [freshKey('renew'), freshKey('renew')];
    const value = session(t, user);
    await store.set(from, value, t + HOUR);
    const big = patch(t, { set: { big: 'x'.repeat(5000) } });
    await expect(store.move(from, to, big)).rejects.toThrow(/maxRecordBytes/);
    expect(await store.get(from)).toEqual(value);
    expect(await store.get(to)).toBeNull();
    expect(await store.listByUser(user)).toEqual([from]);
    const change = patch(t, { set: { step: 2 } });
    expect(await store.move(from, to, change)).toBe(true);
    expect(await store.get(to)).toEqual(renewRecord(value, change));
    expect(await store.listByUser(user)).toEqual([to]);
    expect(await store.hasEnded(from, value)).toBe(true);
    expect(await store.hasEnded(to, (await store.get(to))!)).toBe(false);
  });
});

describe('RedisStore.hasEnded', () => {
  it('is one round trip: the end marker and the revocation time are asked for together', async () => {
    const t = Date.now();
    const user = `ended-${n++}`;
    let inFlight = 0;
    let most = 0;
    const store = new RedisStore(
      {
        async send(command, key) {
          most = Math.max(most, ++inFlight);
          try {
            return await nodeRedis(redis.client).send(command, key);
          } finally {
            inFlight--;
          }
        },
      },
      { keyPrefix: 'ended:' },
    );
    const k = freshKey('ended');
    const value = session(t, user);
    await store.set(k, value, t + HOUR);
    most = 0;
    expect(await store.hasEnded(k, value)).toBe(false);
    expect(most).toBe(2);
    await store.deleteByUser(user);
    expect(await store.hasEnded(k, value)).toBe(true);
    // A session that authenticated after the revocation has not ended with it.
    const later = { ...value, authenticatedAt: Date.now() + 1000 };
    const fresh = freshKey('ended');
    await store.set(fresh, later, t + HOUR);
    expect(await store.hasEnded(fresh, later)).toBe(false);
    expect(await store.revokedAt(user)).toBeGreaterThanOrEqual(t);
  });
});
