/**
 * KVStore's share of the composed guarantees: keptAt for "sign out
 * everywhere else", hasEnded for the read cache, move for regenerate(), and
 * the record size limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionPatch, SessionRecord } from '../../../src/index.ts';
import { DEFAULT_MAX_RECORD_BYTES, revocationMark } from '../../../src/store/index.ts';
import { KVStore, type KVNamespaceLike } from '../../../src/stores/kv/index.ts';
import { MultiLocationKV, TestClock } from './multi-location.ts';

const HOUR = 3_600_000;
const key = (c: string) => c.repeat(43);

function setup(options: { cacheTtl?: number; maxRecordBytes?: number } = {}) {
  const clock = new TestClock();
  const kv = new MultiLocationKV({ now: clock.now });
  const here = kv.location('here');
  const store = new KVStore(here, { now: clock.now, ...options });
  /** A record as the engine writes it: the user is the data field `userId`. */
  const record = (
    userId?: string,
    data: Record<string, unknown> = userId ? { userId } : {},
  ): SessionRecord => {
    const t = clock.now();
    return {
      data,
      flash: {},
      createdAt: t - 60_000,
      lastSeenAt: t,
      expiresAt: t + HOUR,
      authenticatedAt: t - 60_000,
      ...(userId === undefined ? {} : { userId }),
    };
  };
  const patch = (changes: Partial<SessionPatch> = {}): SessionPatch => ({
    now: clock.now(),
    idleMs: HOUR,
    absoluteMs: 24 * HOUR,
    userField: 'userId',
    ...changes,
  });
  return { clock, kv, here, store, record, patch };
}

describe('KVStore: sign out everywhere else (keptAt)', () => {
  it('keeps the session through keptAt, leaves authenticatedAt alone, and the session stays kept through its writes', async () => {
    const { clock, store, record, patch } = setup();
    const value = record('ada');
    await store.set(key('K'), value, value.expiresAt);
    await store.set(key('O'), value, value.expiresAt);
    clock.advance(1000);
    await store.deleteByUser('ada', { except: key('K') });
    const revokedAt = (await store.revokedAt('ada'))!;
    const kept = await store.get(key('K'));
    expect(kept).toMatchObject({ authenticatedAt: value.authenticatedAt, keptAt: revokedAt + 1 });
    expect(revocationMark(kept!)).toBeGreaterThan((await store.revokedAt('ada'))!);
    expect(await store.get(key('O'))).toBeNull();
    // A later data write (applyPatch knows nothing of keptAt) must not make it revoked after all.
    clock.advance(1000);
    expect(await store.update(key('K'), patch({ set: { n: 1 } }))).toBe(true);
    expect(await store.get(key('K'))).toMatchObject({ data: { n: 1 }, keptAt: revokedAt + 1 });
    // A later "sign out everywhere" ends it like any other.
    clock.advance(1000);
    await store.deleteByUser('ada');
    expect(await store.get(key('K'))).toBeNull();
  });

  it('does not bring back a kept session that an earlier revocation already ended', async () => {
    const { clock, store, record } = setup();
    const value = record('ada');
    await store.set(key('K'), value, value.expiresAt);
    clock.advance(1000);
    await store.deleteByUser('ada');
    clock.advance(1000);
    await store.deleteByUser('ada', { except: key('K') });
    expect(await store.get(key('K'))).toBeNull();
  });
});

describe('KVStore.hasEnded', () => {
  it('reads the end marker and the revocation time past the edge cache, in parallel', async () => {
    const { here, record } = setup();
    let inFlight = 0;
    let most = 0;
    const gets: { key: string; cacheTtl?: number }[] = [];
    const slow: KVNamespaceLike = {
      get: async (k, options) => {
        gets.push(options.cacheTtl === undefined ? { key: k } : { key: k, cacheTtl: options.cacheTtl });
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return here.get(k, options);
      },
      put: (k, v, o) => here.put(k, v, o),
      delete: (k) => here.delete(k),
      list: (o) => here.list(o),
    };
    const store = new KVStore(slow, { cacheTtl: 300 });
    expect(await store.hasEnded(key('K'), record('ada'))).toBe(false);
    expect(most).toBe(2);
    expect(gets).toHaveLength(2);
    expect(gets.every((get) => get.cacheTtl === undefined)).toBe(true);
    await store.revokedAt('ada');
    expect(gets.at(-1)!.cacheTtl).toBeUndefined();
  });

  it('is true after delete, after move away, and for copies made before a revocation; false for a kept one', async () => {
    const { clock, store, record, patch } = setup();
    const value = record('ada');
    for (const k of ['A', 'B', 'C']) await store.set(key(k), value, value.expiresAt);
    await store.delete(key('A'));
    expect(await store.hasEnded(key('A'), value)).toBe(true);
    clock.advance(1000);
    expect(await store.move(key('B'), key('N'), patch())).toBe(true);
    expect(await store.hasEnded(key('B'), value)).toBe(true);
    const moved = (await store.get(key('N')))!;
    expect(await store.hasEnded(key('N'), moved)).toBe(false);
    clock.advance(1000);
    await store.deleteByUser('ada', { except: key('N') });
    expect(await store.hasEnded(key('C'), value)).toBe(true);
    expect(await store.hasEnded(key('N'), (await store.get(key('N')))!)).toBe(false);
    // The copy made before the keep carries no keptAt: the revocation ends it, the store's record does not.
    expect(await store.hasEnded(key('N'), moved)).toBe(true);
  });
});

describe('KVStore.move', () => {
  it('reads past the edge cache: a record deleted at this location is never moved from a cached copy', async () => {
    const { clock, kv, record, patch } = setup();
    const [a, b] = [kv.location('a'), kv.location('b')];
    const atA = new KVStore(a, { now: clock.now, cacheTtl: 300 });
    const atB = new KVStore(b, { now: clock.now, cacheTtl: 300 });
    const value = record('ada');
    await atA.set(key('F'), value, value.expiresAt);
    clock.advance(kv.propagationMs);
    expect(await atB.get(key('F'))).not.toBeNull(); // B's edge cache holds it for 300 s
    await atA.delete(key('F'));
    clock.advance(kv.propagationMs);
    expect(await atB.move(key('F'), key('T'), patch())).toBe(false);
    expect(await atB.get(key('T'))).toBeNull();
  });
});

describe('KVStore maxRecordBytes', () => {
  it('is validated at construction, naming the option', () => {
    const { here } = setup();
    for (const bad of [0, -1, 1.5, Number.NaN, 25 * 1024 * 1024 + 1, '100' as unknown as number])
      expect(() => new KVStore(here, { maxRecordBytes: bad })).toThrow(/option maxRecordBytes/);
    expect(() => new KVStore(here, { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES })).not.toThrow();
  });

  it('a patch over the limit fails alone: concurrent patches in the same write still land', async () => {
    const { store, record, patch } = setup({ maxRecordBytes: 4096 });
    const value = record();
    await store.set(key('K'), value, value.expiresAt);
    const results = await Promise.allSettled([
      store.update(key('K'), patch({ set: { a: 1 } })),
      store.update(key('K'), patch({ set: { big: 'x'.repeat(5000) } })),
      store.update(key('K'), patch({ increment: { n: 2 } })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/maxRecordBytes \(4096\)/);
    expect((await store.get(key('K')))!.data).toEqual({ a: 1, n: 2 });
  });

  it('move over the limit throws and the old session stays', async () => {
    const { store, record, patch } = setup({ maxRecordBytes: 4096 });
    const value = record();
    await store.set(key('F'), value, value.expiresAt);
    await expect(store.move(key('F'), key('T'), patch({ set: { big: 'é'.repeat(2100) } }))).rejects.toThrow(
      /maxRecordBytes/,
    );
    expect(await store.get(key('F'))).toEqual(value);
    expect(await store.get(key('T'))).toBeNull();
  });

  it('whatever set accepts, get returns; whatever it refuses leaves the old record (property)', async () => {
    const { store, record } = setup({ maxRecordBytes: 500 });
    const value = record(undefined, { keep: true });
    await store.set(key('P'), value, value.expiresAt);
    let current = value;
    await fc.assert(
      fc.asyncProperty(
        // Characters of 1 to 4 UTF-8 bytes, and JSON escapes: records on both sides of the limit.
        fc
          .array(fc.constantFrom('a', 'é', '€', '🍪', '"', '\\', '\u0001'), { maxLength: 200, size: 'max' })
          .map((a) => a.join('')),
        async (text) => {
          const next = { ...record(), data: { text } };
          const size = new TextEncoder().encode(JSON.stringify(next)).length;
          const written = await store.set(key('P'), next, next.expiresAt).then(
            () => true,
            (error: Error) => (expect(error.message).toMatch(/maxRecordBytes/), false),
          );
          expect(written).toBe(size <= 500);
          if (written) current = next;
          expect(await store.get(key('P'))).toEqual(current);
        },
      ),
      { numRuns: 60 },
    );
  });
});
