/** Checks of an atomic `update`: patches, refusals, concurrency, agreement with `applyPatch`, no write-back after a delete. */
import { assert, same, canonical } from './assert.ts';
import { freshKey, random, randomValue, HOSTILE_KEYS, HOUR } from './data.ts';
import { applyPatch } from '../../session/record.ts';
import type { SessionPatch, SessionRecord } from '../../session/types.ts';
import type { Suite } from './suite.ts';

/** Registers the checks of this group on `suite`. */
export function updateChecks(suite: Suite): void {
  const { now, concurrency, record, patch, checkIf } = suite;
  checkIf(
    ['update'],
    'update (if implemented) applies patches and refuses missing or expired records',
    async (store) => {
      const key = freshKey();
      assert(
        (await store.update(key, patch({ set: { a: 1 } }))) === false,
        'update of a missing key must return false',
      );
      same(await store.get(key), null, 'update of a missing key must not create it');
      const value = record({ keep: true, drop: 1 });
      await store.set(key, value, value.expiresAt);
      assert(
        await store.update(
          key,
          patch({ set: { a: 1 }, unset: ['drop'], flash: { f: 'x' }, increment: { n: 2 } }),
        ),
        'update must return true',
      );
      const expected = applyPatch(
        value,
        patch({ set: { a: 1 }, unset: ['drop'], flash: { f: 'x' }, increment: { n: 2 } }),
      )!;
      same((await store.get(key))?.data, expected.data, 'data after update');
      same((await store.get(key))?.flash, { f: 'x' }, 'flash after update');
      assert(
        (await store.update(key, patch({ now: now() + 2 * HOUR, set: { late: true } }))) === false,
        'update of an expired record must return false',
      );
    },
  );

  checkIf(
    ['update'],
    `update (if implemented) is atomic: ${concurrency} concurrent keys and increments all survive`,
    async (store) => {
      const key = freshKey();
      const value = record();
      await store.set(key, value, value.expiresAt);
      const results = await Promise.all([
        ...Array.from({ length: concurrency }, (_, i) => store.update(key, patch({ set: { [`k${i}`]: i } }))),
        ...Array.from({ length: concurrency }, () => store.update(key, patch({ increment: { count: 1 } }))),
      ]);
      assert(results.every(Boolean), 'every concurrent update must succeed');
      const data = (await store.get(key))!.data;
      for (let i = 0; i < concurrency; i++) same(data[`k${i}`], i, `key k${i} after concurrent updates`);
      same(data.count, concurrency, 'counter after concurrent increments');
    },
  );

  checkIf(
    ['update'],
    'update (if implemented) agrees with applyPatch on random patches with hostile keys',
    async (store) => {
      const next = random(0x5e55);
      const pick = <V>(list: readonly V[]): V => list[Math.floor(next() * list.length)]!;
      const dictionary = <V>(make: () => V): Record<string, V> => {
        const out: Record<string, V> = {};
        for (let i = Math.floor(next() * 3); i > 0; i--)
          Object.defineProperty(out, pick(HOSTILE_KEYS), {
            value: make(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return out;
      };
      // Independent keys, so the runs go in parallel (stores that space writes to one key stay quick).
      const runs = Array.from({ length: 25 }, (_, run) => {
        const before: SessionRecord = {
          ...record(dictionary(() => randomValue(next))),
          flash: dictionary(() => randomValue(next)),
        };
        const changes: Partial<SessionPatch> = {};
        if (next() < 0.6) changes.set = dictionary(() => randomValue(next));
        if (next() < 0.4) changes.unset = [pick(HOSTILE_KEYS)];
        if (next() < 0.4) changes.increment = dictionary(() => pick([1, -2, 0.5, 40]));
        if (next() < 0.4) changes.push = dictionary(() => [randomValue(next)]);
        if (next() < 0.4) changes.pull = dictionary(() => [randomValue(next), pick(HOSTILE_KEYS)]);
        if (next() < 0.4) changes.flash = dictionary(() => randomValue(next));
        if (next() < 0.4) changes.consumed = Object.fromEntries(Object.entries(before.flash).slice(0, 1));
        return { run, before, change: patch({ ...changes, now: now() + 1000 }) };
      });
      await Promise.all(
        runs.map(async ({ run, before, change }) => {
          const key = freshKey();
          await store.set(key, before, before.expiresAt);
          assert(await store.update(key, change), `update must return true (run ${run})`);
          const expected = canonical(applyPatch(before, change));
          same(
            canonical(await store.get(key)),
            expected,
            `record after update (run ${run}, patch ${JSON.stringify(change)})`,
          );
        }),
      );
    },
  );

  checkIf(
    ['update'],
    `update (if implemented): ${concurrency} concurrent pushes all survive, and pull removes`,
    async (store) => {
      const key = freshKey();
      const value = record({ list: ['seed'] });
      await store.set(key, value, value.expiresAt);
      const results = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          store.update(key, patch({ push: { list: [{ item: i }] } })),
        ),
      );
      assert(results.every(Boolean), 'every concurrent push must succeed');
      const list = (await store.get(key))!.data.list as unknown[];
      same(list.length, concurrency + 1, 'list length after concurrent pushes');
      for (let i = 0; i < concurrency; i++)
        assert(
          list.some((item) => canonical(item) === canonical({ item: i })),
          `item ${i} after concurrent pushes`,
        );
      assert(
        await store.update(key, patch({ pull: { list: ['seed', { item: 0 }] } })),
        'pull must return true',
      );
      same(
        ((await store.get(key))!.data.list as unknown[]).length,
        concurrency - 1,
        'list length after pull',
      );
    },
  );

  checkIf(['update'], 'update (if implemented) never writes back a deleted session', async (store) => {
    const key = freshKey();
    const value = record({ v: 1 }, `user-${freshKey()}`);
    await store.set(key, value, value.expiresAt);
    await store.delete(key);
    assert(
      (await store.update(key, patch({ set: { v: 2 } }))) === false,
      'update after delete must return false',
    );
    same(await store.get(key), null, 'get after delete and update');
    if (store.deleteByUser) {
      const revoked = freshKey();
      await store.set(revoked, value, value.expiresAt);
      await store.deleteByUser(value.userId!);
      assert(
        (await store.update(revoked, patch({ set: { v: 3 } }))) === false,
        'update after deleteByUser must return false',
      );
      same(await store.get(revoked), null, 'get after deleteByUser and update');
    }
  });
}
