/**
 * The MemoryStore path without promise hops: a load answered in process and
 * a commit carried out at once must keep every guarantee of the async path —
 * store failures propagate, a session ended meanwhile is not written back,
 * concurrent increments all land, late writes still throw.
 */
import { describe, expect, it } from 'vitest';
import { createSessionManager, MemoryStore, type SessionPatch, type SessionRecord } from '../../src/index.ts';
import { peekRecord, updateOwned } from '../../src/session/backend/fast-paths.ts';
import { SECRET } from './helpers.ts';

type Data = { n?: number; name?: string };

/** A MemoryStore whose in-process fast paths can be made to fail, and that counts them. */
class FlakyMemoryStore extends MemoryStore {
  failPeek: Error | undefined;
  failUpdate: Error | undefined;
  peeks = 0;
  updates = 0;

  override [peekRecord](key: string): SessionRecord | null {
    this.peeks++;
    if (this.failPeek) throw this.failPeek;
    return super[peekRecord](key);
  }

  override [updateOwned](key: string, patch: SessionPatch): boolean {
    this.updates++;
    if (this.failUpdate) throw this.failUpdate;
    return super[updateOwned](key, patch);
  }
}

async function returningClient(store: MemoryStore) {
  const manager = createSessionManager<Data>({ secrets: SECRET, store });
  const first = manager.load(new Request('https://app.example/'));
  first.set('n', 1);
  const line = (await manager.commit(first, new Response('ok'))).headers.getSetCookie()[0]!;
  const request = () => new Request('https://app.example/', { headers: { cookie: line.split(';', 1)[0]! } });
  // A second request verifies the cookie (crypto): later ones find it remembered.
  const warm = manager.load(request());
  await warm.get('n');
  await manager.commit(warm, new Response('ok'));
  return { manager, request };
}

describe('MemoryStore without promise hops', () => {
  it('reads and writes through the in-process fast paths, and get still returns a promise', async () => {
    const store = new FlakyMemoryStore();
    const { manager, request } = await returningClient(store);
    const session = manager.load(request());
    const pending = session.get('n');
    expect(pending).toBeInstanceOf(Promise);
    expect(store.peeks).toBeGreaterThan(0); // loaded at once, no await in between
    session.set('n', (await pending)! + 1);
    await manager.commit(session, new Response('ok'));
    expect(store.updates).toBe(1);
    const again = manager.load(request());
    expect(await again.get('n')).toBe(2);
  });

  it('a failing in-process read rejects every read and the commit of a write; nothing is written', async () => {
    const store = new FlakyMemoryStore();
    const { manager, request } = await returningClient(store);
    const outage = new Error('store down');
    store.failPeek = outage;
    const session = manager.load(request());
    await expect(session.get('n')).rejects.toBe(outage);
    await expect(session.get('name')).rejects.toBe(outage);
    session.set('n', 99);
    await expect(manager.commit(session, new Response('ok'))).rejects.toBe(outage);
    store.failPeek = undefined;
    expect(await manager.load(request()).get('n')).toBe(1);
  });

  it('a failing in-process update rejects the commit, and later reads show the store, not the lost write', async () => {
    const store = new FlakyMemoryStore();
    const { manager, request } = await returningClient(store);
    const outage = new Error('update failed');
    store.failUpdate = outage;
    const session = manager.load(request());
    session.set('n', 5);
    await expect(manager.commit(session, new Response('ok'))).rejects.toBe(outage);
    store.failUpdate = undefined;
    expect(await session.get('n')).toBe(1);
    expect(await manager.load(request()).get('n')).toBe(1);
  });

  it('a session ended between load and commit is not written back (nothing resurrected)', async () => {
    const store = new MemoryStore();
    const { manager, request } = await returningClient(store);
    const session = manager.load(request());
    expect(await session.get('n')).toBe(1);
    const other = manager.load(request());
    await other.destroy();
    await manager.commit(other, new Response('bye'));
    session.set('n', 2);
    await manager.commit(session, new Response('ok'));
    expect(store.size).toBe(0);
  });

  it('two requests at once each increment: both land (the update stays atomic)', async () => {
    const store = new MemoryStore();
    const { manager, request } = await returningClient(store);
    const a = manager.load(request());
    const b = manager.load(request());
    await Promise.all([a.get('n'), b.get('n')]);
    a.increment('n');
    b.increment('n');
    await Promise.all([manager.commit(a, new Response('a')), manager.commit(b, new Response('b'))]);
    expect(await manager.load(request()).get('n')).toBe(3);
  });

  it('a write after commit still throws (a forgotten await fails loudly)', async () => {
    const { manager, request } = await returningClient(new MemoryStore());
    const session = manager.load(request());
    await session.get('n');
    await manager.commit(session, new Response('ok'));
    expect(() => session.set('n', 3)).toThrow(/already committed/);
  });

  it('a tampered cookie is never answered at once: it reads as a new session', async () => {
    const store = new FlakyMemoryStore();
    const { manager, request } = await returningClient(store);
    const cookie = request().headers.get('cookie')!;
    // The second-to-last character replaced by another one (never by itself: that would be no tamper).
    const tampered = `${cookie.slice(0, -2)}${cookie.at(-2) === 'A' ? 'B' : 'A'}${cookie.slice(-1)}`;
    expect(tampered).not.toBe(cookie);
    const peeks = store.peeks;
    const session = manager.load(new Request('https://app.example/', { headers: { cookie: tampered } }));
    expect(await session.get('n')).toBeUndefined();
    expect(session.isNew).toBe(true);
    expect(store.peeks).toBe(peeks);
  });
});
