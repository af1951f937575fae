/**
 * Values a handler got from `get` are copies on every store: mutating one and
 * committing another write saves nothing of the mutation (only `set`, `push`,
 * … write). The Memory and cookie stores are covered in the session tests.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createSessionManager, type SessionStore } from '../../src/index.ts';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';

type Data = { profile?: { name: string; tags: string[] }; n?: number };

const stores: [string, () => SessionStore][] = [
  ['DurableObjectStore', () => new DurableObjectStore(env.SESSIONS_DO)],
  ['D1Store', () => new D1Store(env.DB)],
  ['KVStore', () => new KVStore(env.SESSIONS_KV, { prefix: 'copies:' })],
];

describe('values returned by get are copies', () => {
  for (const [name, store] of stores) {
    it(`on ${name}`, async () => {
      const manager = createSessionManager<Data>({ secrets: SECRET, store: store() });
      const browser = new CookieJar();
      const first = manager.load(browser.request());
      first.set('profile', { name: 'ada', tags: ['a'] });
      browser.absorb(await manager.commit(first, new Response()));
      const second = manager.load(browser.request());
      const profile = (await second.get('profile'))!;
      profile.tags.push('mutated');
      profile.name = 'eve';
      second.increment('n');
      await manager.commit(second, new Response());
      expect(await manager.load(browser.request()).get('profile')).toEqual({ name: 'ada', tags: ['a'] });
    }, 10_000);
  }
});
