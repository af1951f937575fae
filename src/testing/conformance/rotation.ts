/**
 * Checks of id rotation state (the manager's `rotation` option): a store
 * keeps `record.rotation` as it is, `update` applies the `rotate` op
 * idempotently (only from the value it names), and `move` starts a fresh
 * rotation as `renewRecord` says.
 */
import { assert, same } from './assert.ts';
import { freshKey } from './data.ts';
import { renewRecord } from '../../session/record.ts';
import type { SessionRecord } from '../../session/types.ts';
import type { Suite } from './suite.ts';

/** Three validators (43 base64url characters, as the engine makes them). */
const [V0, V1, V2] = ['0', '1', '2'].map((digit) => digit.repeat(43)) as [string, string, string];

/** Registers the checks of this group on `suite`. */
export function rotationChecks(suite: Suite): void {
  const { now, record, patch, check, checkIf, concurrency } = suite;
  const rotating = (data: Record<string, unknown> = {}): SessionRecord => ({
    ...record(data),
    rotation: { current: V0, at: now() - 60_000 },
  });

  check('set and get keep the rotation state of a record', async (store) => {
    const key = freshKey();
    const value = { ...record({ n: 1 }), rotation: { current: V1, previous: V0, at: now() - 1_000 } };
    await store.set(key, value, value.expiresAt);
    same((await store.get(key))?.rotation, value.rotation, 'rotation after set');
  });

  checkIf(
    ['update'],
    'update (if implemented) applies the rotate op only from the value it names, and keeps the state through other patches',
    async (store) => {
      const key = freshKey();
      const value = rotating({ n: 1 });
      await store.set(key, value, value.expiresAt);
      assert(await store.update(key, patch({ set: { n: 2 } })), 'update must return true');
      same((await store.get(key))?.rotation, value.rotation, 'rotation after a patch without rotate');
      const rotate = { from: V0, to: V1, at: now() };
      assert(await store.update(key, patch({ rotate, set: { n: 3 } })), 'update must return true');
      const expected = { current: V1, previous: V0, at: rotate.at };
      same((await store.get(key))?.rotation, expected, 'rotation after rotate');
      same((await store.get(key))?.data, { n: 3 }, 'data after rotate');
      // The same op again (a second request rotating at once) and a stale one change nothing.
      assert(await store.update(key, patch({ rotate })), 'a repeated rotate must still return true');
      assert(
        await store.update(key, patch({ rotate: { from: V2, to: V0, at: now() } })),
        'a rotate from another value must still return true',
      );
      same((await store.get(key))?.rotation, expected, 'rotation after a repeated and a stale rotate');
    },
  );

  checkIf(
    ['update'],
    `update (if implemented) with ${concurrency} concurrent identical rotations and writes: one rotation, every write kept`,
    async (store) => {
      const key = freshKey();
      const value = rotating();
      await store.set(key, value, value.expiresAt);
      const rotate = { from: V0, to: V1, at: now() };
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.update(key, patch({ rotate, set: { [`k${i}`]: i } })),
        ),
      );
      assert(results.every(Boolean), 'every concurrent update must succeed');
      const after = (await store.get(key))!;
      same(
        after.rotation,
        { current: V1, previous: V0, at: rotate.at },
        'rotation after concurrent rotations',
      );
      for (let i = 0; i < concurrency; i++)
        same(after.data[`k${i}`], i, `key k${i} after concurrent rotations`);
    },
  );

  checkIf(
    ['update'],
    'update (if implemented) starts rotation state on a record without one',
    async (store) => {
      const key = freshKey();
      const value = record({ n: 1 });
      await store.set(key, value, value.expiresAt);
      const rotate = { from: '', to: V1, at: now() };
      assert(await store.update(key, patch({ rotate })), 'update must return true');
      same(
        (await store.get(key))?.rotation,
        { current: V1, previous: '', at: rotate.at },
        'rotation after a first rotate',
      );
    },
  );

  checkIf(['move'], 'move (if implemented) starts a fresh rotation under the new key', async (store) => {
    const [from, to] = [freshKey(), freshKey()];
    const value = { ...rotating({ n: 1 }), rotation: { current: V1, previous: V0, at: now() - 1_000 } };
    await store.set(from, value, value.expiresAt);
    const at = now();
    const change = patch({ rotate: { from: '', to: V2, at } });
    assert(await store.move(from, to, change), 'move of a live record must return true');
    const moved = await store.get(to);
    same(moved, renewRecord(value, change), 'the new key after move');
    same(moved?.rotation, { current: V2, at }, 'rotation after move');
  });
}
