/**
 * `push` and `pull`: atomic collection operations in the patch algebra, so a
 * cart built by concurrent requests keeps every item (a read-modify-write
 * with `get` + `set` keeps only some).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createSessionManager, MemoryStore, type Session, type SessionStore } from '../../src/index.ts';
import { CookieJar, SECRET, SpyStore } from './helpers.ts';

type Item = { sku: string; qty: number };
type Data = { cart?: Item[]; tags?: string[]; count?: number; name?: string };

function setup(store: SessionStore) {
  const manager = createSessionManager<Data>({ secrets: SECRET, store });
  const browser = new CookieJar();
  const send = async (act: (session: Session<Data>) => Promise<void> | void, jar = browser) => {
    const session = manager.load(jar.request());
    await act(session);
    jar.absorb(await manager.commit(session, new Response()));
    return session;
  };
  const read = async <K extends keyof Data & string>(key: K) => manager.load(browser.request()).get(key);
  return { manager, browser, send, read };
}

describe('push and pull', () => {
  it('push appends, pull removes every JSON-equal element, within a request and across requests', async () => {
    const { send, read } = setup(new MemoryStore());
    await send((s) => s.set('tags', ['a']));
    await send(async (s) => {
      s.push('tags', 'b');
      s.push('tags', 'a');
      expect(await s.get('tags')).toEqual(['a', 'b', 'a']);
      s.pull('tags', 'a');
      expect(await s.get('tags')).toEqual(['b']);
      s.push('tags', 'a');
      expect(await s.get('tags')).toEqual(['b', 'a']);
    });
    expect(await read('tags')).toEqual(['b', 'a']);
    await send((s) => s.pull('cart', { sku: 'x', qty: 1 })); // missing key: left alone
    expect(await read('cart')).toBeUndefined();
    await send((s) => s.push('cart', { sku: 'x', qty: 1 }));
    await send((s) => s.push('cart', { qty: 2, sku: 'y' }));
    await send((s) => s.pull('cart', { qty: 1, sku: 'x' })); // key order does not matter
    expect(await read('cart')).toEqual([{ sku: 'y', qty: 2 }]);
  });

  it('a set before push in the same request is folded in; a set after replaces', async () => {
    const { send, read } = setup(new MemoryStore());
    await send((s) => {
      s.set('tags', ['x']);
      s.push('tags', 'y');
      s.pull('tags', 'x');
    });
    expect(await read('tags')).toEqual(['y']);
    await send((s) => {
      s.push('tags', 'z');
      s.set('tags', ['only']);
    });
    expect(await read('tags')).toEqual(['only']);
  });

  it('20 concurrent pushes to one session keep all 20 on a store with atomic update', async () => {
    const store = new SpyStore();
    const { send, read, browser } = setup(store);
    await send((s) => s.set('name', 'cart owner'));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send((s) => s.push('cart', { sku: `item-${i}`, qty: 1 }), browser.clone()),
      ),
    );
    const cart = (await read('cart')) ?? [];
    expect(cart.map((item) => item.sku).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `item-${i}`).sort(),
    );
    expect(store.count('update')).toBe(20);
  });

  it('read-modify-write with get + set loses concurrent adds, which is why push exists', async () => {
    const { send, read, browser } = setup(new MemoryStore());
    await send((s) => s.set('cart', []));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(async (s) => {
          const cart = (await s.get('cart')) ?? [];
          s.set('cart', [...cart, { sku: `item-${i}`, qty: 1 }]);
        }, browser.clone()),
      ),
    );
    expect(((await read('cart')) ?? []).length).toBeLessThan(20);
  });

  it('only array keys accept push and pull, with their element type', () => {
    const session = createSessionManager<Data>({ secrets: SECRET }).load(new Request('https://a.example/'));
    expectTypeOf(session.push).parameter(0).toEqualTypeOf<'cart' | 'tags'>();
    // @ts-expect-error count is a number, not an array
    session.push('count', 1);
    // @ts-expect-error tags holds strings
    session.push('tags', 1);
    // @ts-expect-error an Item needs qty
    session.pull('cart', { sku: 'x' });
    const open = createSessionManager({ secrets: SECRET }).load(new Request('https://a.example/'));
    open.push('anything', { any: 'value' });
  });
});
