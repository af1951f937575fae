/**
 * `applyPatch` (tesserajs/store): the record arithmetic every store without
 * its own atomic `update` relies on, and the reference the Lua, SQL and
 * Durable Object versions are compared against.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, type SessionPatch, type SessionRecord } from '../../src/store/index.ts';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
const TIMEOUTS = { idleMs: 30 * MINUTE, absoluteMs: 24 * 60 * MINUTE };

function record(fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    data: {},
    flash: {},
    createdAt: T0,
    lastSeenAt: T0,
    expiresAt: T0 + TIMEOUTS.idleMs,
    ...fields,
  };
}

function patch(fields: Partial<SessionPatch> = {}): SessionPatch {
  return { now: T0 + MINUTE, userField: 'userId', ...TIMEOUTS, ...fields };
}

describe('applyPatch', () => {
  it('refuses a missing record, and one past its idle, absolute or stored expiry (no resurrection)', () => {
    expect(applyPatch(null, patch())).toBeNull();
    expect(applyPatch(undefined, patch())).toBeNull();
    expect(applyPatch(record(), patch({ now: T0 + TIMEOUTS.idleMs }))).toBeNull();
    const old = record({ createdAt: T0 - TIMEOUTS.absoluteMs, expiresAt: T0 + TIMEOUTS.idleMs });
    expect(applyPatch(old, patch())).toBeNull();
    expect(applyPatch(record({ expiresAt: T0 + 1 }), patch())).toBeNull();
  });

  it('sets, unsets (data and flash), increments, pushes and pulls', () => {
    const before = record({
      data: { keep: 1, drop: 2, n: 5, text: 'x', list: [1, { a: 1 }, 2, { a: 1 }] },
      flash: { drop: 'gone', other: 'stays' },
    });
    const next = applyPatch(
      before,
      patch({
        set: { added: { deep: [true] } },
        unset: ['drop'],
        increment: { n: 2, text: 3, fresh: -1 },
        push: { list: [3], made: ['a'] },
        pull: { list: [{ a: 1 }], missing: [1] },
      }),
    )!;
    expect(next.data).toEqual({
      keep: 1,
      n: 7,
      text: 3,
      fresh: -1,
      list: [1, 2, 3],
      added: { deep: [true] },
      made: ['a'],
    });
    expect(next.flash).toEqual({ other: 'stays' });
    expect(before.data.drop).toBe(2); // the input record is not changed
  });

  it('consumes only the flash value that was read; a newer one under the key survives', () => {
    const before = record({ flash: { notice: 'newer', other: 'read' } });
    const next = applyPatch(before, patch({ consumed: { notice: 'older', other: 'read' } }))!;
    expect(next.flash).toEqual({ notice: 'newer' });
    expect(applyPatch(before, patch({ flash: { notice: 'set' } }))!.flash.notice).toBe('set');
  });

  it('slides lastSeenAt and the expiry, capped by the absolute timeout', () => {
    const next = applyPatch(record(), patch())!;
    expect(next.lastSeenAt).toBe(T0 + MINUTE);
    expect(next.expiresAt).toBe(T0 + MINUTE + TIMEOUTS.idleMs);
    const late = record({ createdAt: T0 - TIMEOUTS.absoluteMs + 2 * MINUTE });
    expect(applyPatch(late, patch())!.expiresAt).toBe(late.createdAt + TIMEOUTS.absoluteMs);
  });

  it('persist() gives the record its own timeouts; persist(false) takes them away', () => {
    const persisted = applyPatch(record(), patch({ persist: { idleMs: 60 * MINUTE } }))!;
    expect(persisted).toMatchObject({ persistent: true, idleMs: 60 * MINUTE });
    expect(persisted.expiresAt).toBe(T0 + MINUTE + 60 * MINUTE);
    const undone = applyPatch(persisted, patch({ now: T0 + 2 * MINUTE, persist: false }))!;
    expect(undone.persistent).toBeUndefined();
    expect(undone.idleMs).toBeUndefined();
    expect(undone.expiresAt).toBe(T0 + 2 * MINUTE + TIMEOUTS.idleMs);
  });

  it('takes the user from userField; a new user authenticates at patch time, the same one does not', () => {
    const login = applyPatch(record(), patch({ set: { userId: 'ada' } }))!;
    expect(login).toMatchObject({ userId: 'ada', authenticatedAt: T0 + MINUTE });
    const later = applyPatch(login, patch({ now: T0 + 2 * MINUTE, set: { cart: [] } }))!;
    expect(later.authenticatedAt).toBe(T0 + MINUTE);
    expect(applyPatch(record(), patch({ set: { userId: 7 } }))!.userId).toBe('7');
    expect(applyPatch(record(), patch({ set: { userId: { id: 7 } } }))!.userId).toBeUndefined();
  });

  it('treats hostile keys as plain keys: __proto__, constructor, NUL, quotes, emoji', () => {
    const keys = ['__proto__', 'constructor', 'a\u0000b', '"\'\\', '🍪', 'hasOwnProperty'];
    const next = applyPatch(record(), patch({ set: Object.fromEntries(keys.map((k, i) => [k, i])) }))!;
    expect(Object.keys(next.data)).toEqual(keys);
    keys.forEach((key, i) => expect(Object.getOwnPropertyDescriptor(next.data, key)?.value).toBe(i));
    expect(Object.getPrototypeOf(next.data)).toBe(Object.prototype);
  });

  it('on random patches: a set key reads back, an unset key is gone, other keys are untouched', () => {
    const key = fc.constantFrom('a', 'b', 'c', '__proto__', 'n');
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue()),
        fc.dictionary(key, fc.jsonValue()),
        fc.array(key),
        (data, set, unset) => {
          const next = applyPatch(record({ data: { ...data } }), patch({ set, unset }))!;
          for (const k of Object.keys(set)) expect(next.data[k]).toEqual(set[k]);
          for (const k of unset.filter((k) => !Object.hasOwn(set, k)))
            expect(Object.hasOwn(next.data, k)).toBe(false);
          for (const k of Object.keys(data).filter(
            (k) => !Object.hasOwn(set, k) && !(unset as string[]).includes(k),
          ))
            expect(next.data[k]).toEqual(data[k]);
        },
      ),
    );
  });
});
