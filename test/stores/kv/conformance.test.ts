/**
 * The store conformance suite for KVStore on the multi-location fake (one
 * location: what a single Worker sees), with a clock the suite can move.
 */
import { describe, it } from 'vitest';
import { KVStore } from '../../../src/stores/kv/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { MultiLocationKV, TestClock } from './multi-location.ts';

describe('KVStore conformance (multi-location fake, one location)', () => {
  const clock = new TestClock();
  const kv = new MultiLocationKV({ now: clock.now });
  const here = kv.location('here');
  let n = 0;
  for (const check of storeConformance(
    () => new KVStore(here, { keyPrefix: `c${n++}:`, now: clock.now, backoff: 50 }),
    {
      now: clock.now,
      advance: (ms) => clock.advance(ms),
      largeRecordBytes: 100_000,
      maxRecordBytes: 128 * 1024,
    },
  )) {
    it(check.name, check.run, 20_000);
  }

  it('with a small maxRecordBytes too', async () => {
    const small = storeConformance(
      () => new KVStore(here, { keyPrefix: `s${n++}:`, now: clock.now, maxRecordBytes: 2048 }),
      { now: clock.now, largeRecordBytes: 1000, maxRecordBytes: 2048 },
    ).find((check) => check.name.includes('maxRecordBytes'));
    await small!.run();
  });
});
