import { describe, it } from 'vitest';
import { MemoryStore } from '../../src/index.ts';
import { storeConformance } from '../../src/testing/index.ts';

describe('MemoryStore conformance', () => {
  let time = Date.UTC(2030, 0, 1);
  const now = () => time;
  for (const check of storeConformance(() => new MemoryStore({ now }), {
    now,
    advance: (ms) => void (time += ms),
  })) {
    it(check.name, check.run);
  }
});

describe('the conformance suite itself', () => {
  it('fails a store that loses data', async () => {
    const forgetful = new MemoryStore();
    forgetful.get = async () => null;
    const [, roundTrip] = storeConformance(() => forgetful);
    await roundTrip!.run().then(
      () => Promise.reject(new Error('the check should have failed')),
      (error: Error) => {
        if (!/get after set/.test(error.message)) throw error;
      },
    );
  });
});
