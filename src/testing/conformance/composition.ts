/** Checks the engine relies on when features combine: `keptAt` kept, `move` only from a live record, `hasEnded`, the record size limit. */
import { assert, rejects, same } from './assert.ts';
import { freshKey } from './data.ts';
import { renewRecord } from '../../session/record.ts';
import type { Suite } from './suite.ts';

/** Registers the checks of this group on `suite`. */
export function compositionChecks(suite: Suite): void {
  const { now, record, patch, check, checkIf, options, signOutOthers } = suite;
  checkIf(
    ['update'],
    'update (if implemented) keeps keptAt and authenticatedAt of the record',
    async (store) => {
      const key = freshKey();
      const value = {
        ...record({ n: 1 }, 'user-kept'),
        authenticatedAt: now() - 60_000,
        keptAt: now() - 1_000,
      };
      await store.set(key, value, value.expiresAt);
      assert(await store.update(key, patch({ set: { n: 2 } })), 'update must return true');
      const after = await store.get(key);
      same(after?.keptAt, value.keptAt, 'keptAt after update');
      same(after?.authenticatedAt, value.authenticatedAt, 'authenticatedAt after update');
    },
  );

  checkIf(['move'], 'move (if implemented) renews a live record under the new key', async (store) => {
    const user = `user-${freshKey()}`;
    const [from, to] = [freshKey(), freshKey()];
    const value = {
      ...record({ userId: user, n: 1 }, user),
      createdAt: now() - 60_000,
      authenticatedAt: now() - 60_000,
    };
    await store.set(from, value, value.expiresAt);
    const change = patch({ set: { after: true } });
    assert(await store.move(from, to, change), 'move of a live record must return true');
    same(await store.get(from), null, 'the old key after move');
    same(await store.get(to), renewRecord(value, change), 'the new key after move');
    if (store.listByUser) same(await store.listByUser(user), [to], 'listByUser after move');
  });

  checkIf(
    ['move'],
    'move (if implemented) carries nothing from a deleted or missing record',
    async (store) => {
      const [from, to] = [freshKey(), freshKey()];
      const value = record({ n: 1 });
      await store.set(from, value, value.expiresAt);
      await store.delete(from);
      assert(!(await store.move(from, to, patch({}))), 'move of a deleted record must return false');
      same(await store.get(to), null, 'the new key after a refused move');
      assert(!(await store.move(freshKey(), to, patch({}))), 'move of an unknown key must return false');
      same(await store.get(to), null, 'the new key after a refused move');
    },
  );

  if (options.advance) {
    const advance = options.advance;
    checkIf(['move'], 'move (if implemented) carries nothing from an expired record', async (store) => {
      const [from, to] = [freshKey(), freshKey()];
      const value = { ...record({ n: 1 }), expiresAt: now() + 1_000 };
      await store.set(from, value, value.expiresAt);
      await advance(2_000);
      assert(!(await store.move(from, to, patch({}))), 'move of an expired record must return false');
      same(await store.get(to), null, 'the new key after a refused move');
    });
  }

  checkIf(
    ['hasEnded'],
    'hasEnded (if implemented): false while live, true once the session is deleted',
    async (store) => {
      const key = freshKey();
      const value = record({ n: 1 });
      await store.set(key, value, value.expiresAt);
      assert(!(await store.hasEnded(key, value)), 'hasEnded of a live session must be false');
      await store.delete(key);
      assert(await store.hasEnded(key, value), 'hasEnded of a deleted session must be true');
    },
  );

  checkIf(
    ['hasEnded', 'listByUser', 'deleteByUser'],
    'hasEnded (if implemented) sees a revocation of the user, but not for the session it kept',
    async (store) => {
      const { user, kept, other, value } = await signOutOthers(store);
      assert(await store.hasEnded(other, value), 'hasEnded of a revoked session must be true');
      const keptRecord = await store.get(kept);
      assert(keptRecord !== null, 'the kept session must survive');
      assert(!(await store.hasEnded(kept, keptRecord)), 'hasEnded of the kept session must be false');
      const later = { ...record({ userId: user }, user), authenticatedAt: now() + 1 };
      const fresh = freshKey();
      await store.set(fresh, later, later.expiresAt);
      assert(
        !(await store.hasEnded(fresh, later)),
        'hasEnded of a session authenticated after the revocation must be false',
      );
    },
  );

  const limit = options.maxRecordBytes;
  if (limit !== undefined) {
    check(`a write over maxRecordBytes (${limit}) throws and the old record stays`, async (store) => {
      const key = freshKey();
      const value = record({ small: 'x' });
      await store.set(key, value, value.expiresAt);
      const big = record({ big: 'x'.repeat(limit) });
      await rejects(
        () => store.set(key, big, big.expiresAt),
        /maxRecordBytes/,
        'set over the limit must throw naming maxRecordBytes',
      );
      same((await store.get(key))?.data, { small: 'x' }, 'the record after a refused set');
      const update = store.update?.bind(store);
      if (update) {
        // 'é' is two bytes: the record grows past the limit in bytes, not in characters.
        const grow = patch({ set: { big: 'é'.repeat(limit / 2 + 1) } });
        await rejects(
          () => update(key, grow),
          /maxRecordBytes/,
          'update over the limit must throw naming maxRecordBytes',
        );
        same((await store.get(key))?.data, { small: 'x' }, 'the record after a refused update');
      }
    });
  }
}
