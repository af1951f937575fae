import { describe, expect, it } from 'vitest';
import { createSessionManager, type Session } from '../../src/index.ts';
import { CookieJar, SECRET, SpyStore } from './helpers.ts';

type Data = { user?: string; n?: number; tags?: string[] };

const WRITES: Array<[string, (s: Session<Data, { notice?: string }>) => unknown]> = [
  ['set', (s) => s.set('user', 'eve')],
  ['unset', (s) => s.unset('user')],
  ['increment', (s) => s.increment('n')],
  ['push', (s) => s.push('tags', 'x')],
  ['pull', (s) => s.pull('tags', 'x')],
  ['flash', (s) => s.flash('notice', 'late')],
  ['regenerate', (s) => s.regenerate()],
  ['destroy', (s) => s.destroy()],
  ['persist', (s) => s.persist()],
];

describe('writes after commit', () => {
  it.each(WRITES)(
    'session.%s after commit throws, saying the response was already committed',
    async (name, write) => {
      const store = new SpyStore();
      const manager = createSessionManager<Data, { flash: { notice?: string } }>({ secrets: SECRET, store });
      const browser = new CookieJar();
      const session = manager.load(browser.request());
      session.set('user', 'ada');
      browser.absorb(await manager.commit(session, new Response('ok')));
      const writes = store.writes();
      expect(() => write(session)).toThrow(
        new RegExp(`session\\.${name}: the response was already committed`),
      );
      // Nothing reached the store, and reads still answer what the commit wrote.
      expect(store.writes()).toBe(writes);
      expect(await session.get('user')).toBe('ada');
    },
  );

  it('a handler that forgets to await before writing fails loudly instead of losing the write', async () => {
    const manager = createSessionManager<Data>({ secrets: SECRET });
    let late: Promise<unknown> | undefined;
    const handler = manager.handle(async (_request, _env, _ctx, session) => {
      late = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        session.set('user', 'too late');
      })();
      return new Response('ok');
    });
    await handler(new CookieJar().request(), undefined, undefined);
    await expect(late).rejects.toThrow(/session\.set: the response was already committed/);
  });

  it('a write made while commit is running throws too (it could not reach the response)', async () => {
    const manager = createSessionManager<Data>({ secrets: SECRET });
    const session = manager.load(new CookieJar().request());
    session.set('user', 'ada');
    const committing = manager.commit(session, new Response('ok'));
    expect(() => session.set('user', 'eve')).toThrow(/already committed/);
    await committing;
  });

  it('after a failed commit, reads do not show writes the commit never made', async () => {
    const store = new SpyStore();
    const manager = createSessionManager<Data>({ secrets: SECRET, store });
    const browser = new CookieJar();
    const first = manager.load(browser.request());
    first.set('user', 'ada');
    browser.absorb(await manager.commit(first, new Response('ok')));

    const session = manager.load(browser.request());
    expect(await session.get('user')).toBe('ada');
    session.set('user', 'eve');
    const outage = new Error('store down');
    const write = store.update!;
    store.update = () => Promise.reject(outage);
    await expect(manager.commit(session, new Response('ok'))).rejects.toBe(outage);
    store.update = write;
    expect(await session.get('user')).toBe('ada');
  });
});
