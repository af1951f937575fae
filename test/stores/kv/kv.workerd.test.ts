import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RECORD_BYTES } from '../../../src/store/index.ts';
import { KVStore } from '../../../src/stores/kv/index.ts';
import { storeConformance } from '../../../src/testing/index.ts';
import { CookieJar } from '../../session/helpers.ts';
import { fetchWorker, logoutIsImmediate, read, send } from '../../workers/client.ts';

describe('KVStore on a real KV binding', () => {
  let n = 0;
  for (const check of storeConformance(
    () => new KVStore(env.SESSIONS_KV, { prefix: `conformance-${n++}:` }),
    { largeRecordBytes: 100_000, maxRecordBytes: DEFAULT_MAX_RECORD_BYTES },
  )) {
    it(check.name, check.run);
  }

  it('log in, read, log out, replay the old cookie', () => logoutIsImmediate(new CookieJar(), 'kv', 'ada'));

  it('20 concurrent writes to one session neither throw nor corrupt it', async () => {
    const browser = new CookieJar();
    await send(browser, '/login?store=kv&user=ada');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetchWorker(browser.request(`/key?store=kv&k=k${i}&v=${i}`))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await read(browser, 'kv')).toMatchObject({ userId: 'ada' });
  });
});
