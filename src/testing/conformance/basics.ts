/** Checks every store must pass: round trips, isolation of keys and returned objects, large records, expiry, touch. */
import { assert, same } from './assert.ts';
import { freshKey, HOUR } from './data.ts';
import type { Suite } from './suite.ts';

/** Registers the checks of this group on `suite`. */
export function basicChecks(suite: Suite): void {
  const { now, record, patch, check, checkIf, options } = suite;
  check('get of an unknown key is null', async (store) => {
    same(await store.get(freshKey()), null, 'get(unknown)');
  });

  check('set then get returns the same record', async (store) => {
    const key = freshKey();
    const value = {
      ...record({ user: { id: 7, name: 'Zoë 🍪' }, list: [1, 'two', null], flag: false }, 'user-7'),
      flash: { notice: 'hi' },
    };
    await store.set(key, value, value.expiresAt);
    same(await store.get(key), value, 'get after set');
  });

  check('set overwrites and keys are independent', async (store) => {
    const [a, b] = [freshKey(), freshKey()];
    await store.set(a, record({ v: 1 }), now() + HOUR);
    await store.set(b, record({ v: 2 }), now() + HOUR);
    await store.set(a, record({ v: 3 }), now() + HOUR);
    same((await store.get(a))?.data, { v: 3 }, 'overwritten record');
    same((await store.get(b))?.data, { v: 2 }, 'neighbouring record');
  });

  check('delete removes a record and ignores unknown keys', async (store) => {
    const key = freshKey();
    await store.set(key, record({ v: 1 }), now() + HOUR);
    await store.delete(key);
    same(await store.get(key), null, 'get after delete');
    await store.delete(freshKey());
  });

  check('records read back are copies', async (store) => {
    const key = freshKey();
    const value = record({ list: [1] });
    await store.set(key, value, value.expiresAt);
    (value.data.list as number[]).push(2);
    const read = await store.get(key);
    same(read?.data, { list: [1] }, 'record after mutating the written object');
    (read!.data.list as number[]).push(3);
    same((await store.get(key))?.data, { list: [1] }, 'record after mutating a read object');
  });

  check('keys named like Object.prototype members are plain keys', async (store) => {
    const key = freshKey();
    // JSON.parse makes "__proto__" an own key, as a session read from any store has it.
    const data = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}') as Record<string, unknown>;
    const value = record(data);
    await store.set(key, value, value.expiresAt);
    same(Object.entries((await store.get(key))?.data ?? {}), Object.entries(data), 'entries after set');
    if (store.update) {
      assert(
        await store.update(key, patch({ set: JSON.parse('{"__proto__":"q"}') as Record<string, unknown> })),
        'update must return true',
      );
      same(
        Object.entries((await store.get(key))?.data ?? {}),
        [
          ['__proto__', 'q'],
          ['constructor', 'c'],
          ['toString', 't'],
        ],
        'entries after update',
      );
    }
  });

  check(
    `a ${Math.round((options.largeRecordBytes ?? 65_536) / 1024)} KiB record round-trips`,
    async (store) => {
      const key = freshKey();
      const value = record({ blob: 'x'.repeat(options.largeRecordBytes ?? 65_536) });
      await store.set(key, value, value.expiresAt);
      same((await store.get(key))?.data.blob, value.data.blob, 'large value');
    },
  );

  if (options.advance) {
    const advance = options.advance;
    check('an expired record is not handed out as live', async (store) => {
      const key = freshKey();
      const value = { ...record({ v: 1 }), expiresAt: now() + 1000 };
      await store.set(key, value, value.expiresAt);
      await advance(1001);
      const read = await store.get(key);
      assert(read === null || read.expiresAt <= now(), 'get after expiry returned a live record');
    });

    checkIf(['listByUser'], 'listByUser (if implemented) leaves out expired sessions', async (store) => {
      const user = `user-${freshKey()}`;
      const [short, long] = [freshKey(), freshKey()];
      await store.set(short, { ...record({}, user), expiresAt: now() + 1000 }, now() + 1000);
      await store.set(long, record({}, user), now() + HOUR);
      await advance(1001);
      same(await store.listByUser(user), [long], 'listByUser after one session expired');
    });
  }

  checkIf(['touch'], 'touch (if implemented) moves timestamps, keeps data', async (store) => {
    const key = freshKey();
    const value = record({ v: 1 });
    await store.set(key, value, value.expiresAt);
    const later = { ...value, lastSeenAt: value.lastSeenAt + 5000, expiresAt: value.expiresAt + 5000 };
    await store.touch(key, later, later.expiresAt);
    const read = await store.get(key);
    same(read?.data, { v: 1 }, 'data after touch');
    assert(read!.expiresAt >= value.expiresAt, 'touch must not shorten expiry');
    const unknown = freshKey();
    await store.touch(unknown, later, later.expiresAt);
    same(await store.get(unknown), null, 'touch of an unknown key must not create it');
  });
}
