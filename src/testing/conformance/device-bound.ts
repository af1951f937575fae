/**
 * Checks for Device Bound Session Credentials (the manager's
 * `deviceBoundSessions` option): the record's `deviceBound` field survives
 * every write, and a DBSC challenge — a short-lived entry used up by one
 * `update` that leaves it already expired — works exactly once, even when
 * requests race for it.
 */
import { assert, same } from './assert.ts';
import { freshKey } from './data.ts';
import type { Suite } from './suite.ts';
import type { SessionRecord } from '../../session/types.ts';

const BINDING = {
  id: 'dbsc-session-identifier-0123456789abcdefgh',
  alg: 'ES256',
  key: { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) },
} as const;

/** Registers the checks of this group on `suite`. */
export function deviceBoundChecks(suite: Suite): void {
  const { now, concurrency, record, patch, check, checkIf } = suite;

  check('a device binding (deviceBound) reads back as written', async (store) => {
    const key = freshKey();
    const value: SessionRecord = { ...record({ v: 1 }, 'user-db'), deviceBound: structuredClone(BINDING) };
    await store.set(key, value, value.expiresAt);
    same(await store.get(key), value, 'record with deviceBound after set');
  });

  checkIf(['update'], 'update (if implemented) keeps the device binding', async (store) => {
    const key = freshKey();
    const value: SessionRecord = { ...record({ v: 1 }), deviceBound: structuredClone(BINDING) };
    await store.set(key, value, value.expiresAt);
    assert(await store.update(key, patch({ set: { v: 2 }, increment: { n: 1 } })), 'update applied');
    assert(await store.update(key, patch({ persist: { idleMs: 7_200_000 } })), 'persist applied');
    same((await store.get(key))?.deviceBound, BINDING, 'deviceBound after updates');
  });

  checkIf(['move'], 'move (if implemented) carries the device binding to the new key', async (store) => {
    const [from, to] = [freshKey(), freshKey()];
    const value: SessionRecord = { ...record({ v: 1 }), deviceBound: structuredClone(BINDING) };
    await store.set(from, value, value.expiresAt);
    assert(await store.move(from, to, patch({})), 'move applied');
    same((await store.get(to))?.deviceBound, BINDING, 'deviceBound after move');
  });

  checkIf(
    ['update'],
    `update (if implemented) that ends a record: of ${concurrency} racing, one applies (a DBSC challenge is used once)`,
    async (store) => {
      const key = freshKey();
      const t = now();
      // As a challenge is issued: created a millisecond ago, with its own short life.
      const challenge: SessionRecord = {
        data: { dbsc: 'refresh x' },
        flash: {},
        createdAt: t - 1,
        lastSeenAt: t,
        expiresAt: t + 60_000,
        idleMs: 60_000,
        absoluteMs: 60_001,
      };
      await store.set(key, challenge, challenge.expiresAt);
      const useUp = () =>
        store.update(key, patch({ idleMs: 1, absoluteMs: 1, persist: { idleMs: 1, absoluteMs: 1 } }));
      const results = await Promise.all(Array.from({ length: concurrency }, useUp));
      same(results.filter(Boolean).length, 1, 'updates that applied');
      same(await useUp(), false, 'a later update');
      const left = await store.get(key);
      assert(left === null || left.expiresAt <= now(), 'the used-up entry is no longer live');
    },
  );
}
