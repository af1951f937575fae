/** Checks of the user index: `listByUser`, `deleteByUser` with and without `except`. */
import { assert, same } from './assert.ts';
import { freshKey, HOUR } from './data.ts';
import type { Suite } from './suite.ts';

/** Registers the checks of this group on `suite`. */
export function userChecks(suite: Suite): void {
  const { now, record, patch, checkIf, signOutOthers } = suite;
  checkIf(
    ['listByUser', 'deleteByUser'],
    'deleteByUser (if implemented) with except keeps that one session ("sign out everywhere else")',
    async (store) => {
      const user = `user-${freshKey()}`;
      const [kept, other, third] = [freshKey(), freshKey(), freshKey()];
      for (const key of [kept, other, third])
        await store.set(key, record({ userId: user }, user), now() + HOUR);
      await store.deleteByUser(user, { except: kept });
      same(await store.get(other), null, 'another session of the user');
      same(await store.get(third), null, 'a third session of the user');
      assert((await store.get(kept)) !== null, 'the kept session must survive');
      same(await store.listByUser(user), [kept], 'listByUser after deleteByUser with except');
    },
  );

  checkIf(
    ['update', 'listByUser'],
    'update and listByUser (if implemented): an update that changes the user field moves the session',
    async (store) => {
      const [first, second] = [`user-${freshKey()}`, `user-${freshKey()}`];
      const key = freshKey();
      const value = record({ userId: first }, first);
      await store.set(key, value, value.expiresAt);
      assert(await store.update(key, patch({ set: { userId: second } })), 'update must return true');
      same((await store.get(key))?.userId, second, 'userId of the updated record');
      same(await store.listByUser(first), [], 'listByUser of the previous user');
      same(await store.listByUser(second), [key], 'listByUser of the new user');
      assert(await store.update(key, patch({ unset: ['userId'] })), 'update must return true');
      same(await store.listByUser(second), [], 'listByUser after the user field was removed');
    },
  );

  checkIf(
    ['listByUser', 'deleteByUser'],
    'listByUser / deleteByUser (if implemented) follow the record user',
    async (store) => {
      const user = `user-${freshKey()}`;
      const other = `other-${freshKey()}`;
      const mine = [freshKey(), freshKey(), freshKey()];
      const theirs = freshKey();
      for (const key of mine) await store.set(key, record({}, user), now() + HOUR);
      await store.set(theirs, record({}, other), now() + HOUR);
      same((await store.listByUser(user)).sort(), [...mine].sort(), 'listByUser');
      assert((await store.deleteByUser(user)) >= 3, 'deleteByUser must report the sessions it deleted');
      for (const key of mine) same(await store.get(key), null, 'a revoked session');
      same(await store.listByUser(user), [], 'listByUser after deleteByUser');
      assert((await store.get(theirs)) !== null, "another user's session must survive");
      // A session that changes hands leaves the first user's list.
      await store.set(theirs, record({}, user), now() + HOUR);
      same(await store.listByUser(other), [], 'listByUser of the previous user');
      same(await store.listByUser(user), [theirs], 'listByUser of the new user');
    },
  );

  checkIf(
    ['listByUser', 'deleteByUser'],
    'deleteByUser (if implemented) with except leaves the kept session authenticatedAt as it was',
    async (store) => {
      const { kept, value } = await signOutOthers(store);
      const after = await store.get(kept);
      assert(after !== null, 'the kept session must survive');
      same(after.authenticatedAt, value.authenticatedAt, 'authenticatedAt of the kept session');
    },
  );
}
