/**
 * The read cache on the Cloudflare stores: about one store read per copy
 * lifetime, writes still reaching the store, inside workerd.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createSessionManager, readCache, type SessionStore } from '../../src/index.ts';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';

/** Counts the reads that reach the store. */
function counted(store: SessionStore): { store: SessionStore; reads: () => number } {
  let reads = 0;
  const wrapped: SessionStore = {
    get: (key) => {
      reads++;
      return store.get(key);
    },
    set: (key, record, expiresAt) => store.set(key, record, expiresAt),
    delete: (key) => store.delete(key),
  };
  if (store.update) wrapped.update = (key, patch) => store.update!(key, patch);
  return { store: wrapped, reads: () => reads };
}

const stores: [string, () => SessionStore][] = [
  ['DurableObjectStore', () => new DurableObjectStore(env.SESSIONS_DO)],
  ['KVStore', () => new KVStore(env.SESSIONS_KV, { prefix: 'cache:' })],
  ['D1Store', () => new D1Store(env.DB)],
];

describe('the read cache on the Cloudflare stores', () => {
  for (const [name, make] of stores) {
    it(`${name}: 100 reads over 300 s cost about 10 store reads; a write reaches the store and the next read sees it`, async () => {
      let time = Date.now();
      const { store, reads } = counted(make());
      const manager = createSessionManager<{ userId?: string; n?: number }>({
        secrets: SECRET,
        store,
        now: () => time,
        idleTimeout: 600,
        readCache: readCache({ maxAge: 30 }),
      });
      const browser = new CookieJar();
      const send = async (act: (s: ReturnType<typeof manager.load>) => Promise<unknown> | void) => {
        const session = manager.load(browser.request());
        await act(session);
        browser.absorb(await manager.commit(session, new Response()));
      };
      await send(async (s) => {
        await s.regenerate();
        s.set('userId', 'ada');
      });
      const before = reads();
      for (let i = 0; i < 100; i++) {
        time += 3000;
        await send(async (s) => expect(await s.get('userId')).toBe('ada'));
      }
      expect(reads() - before).toBeLessThanOrEqual(12);
      await send((s) => s.increment('n'));
      let n: unknown;
      await send(async (s) => void (n = await s.get('n')));
      expect(n).toBe(1);
    }, 30_000);
  }
});
