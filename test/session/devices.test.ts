import { describe, expect, it, vi } from 'vitest';
import { CookieStore, createSessionManager, MemoryStore } from '../../src/index.ts';
import { devicesScenario } from './devices-scenario.ts';
import { CookieJar, SECRET } from './helpers.ts';

describe('your devices (MemoryStore)', () => {
  it('lists, revokes one, caps, signs out everywhere else; records metadata; fires the hooks', () =>
    devicesScenario(new MemoryStore()));

  it('stores that cannot list by user, and cookie sessions, say so clearly', async () => {
    const noIndex = createSessionManager({
      secrets: SECRET,
      store: { get: async () => null, set: async () => {}, delete: async () => {} },
    });
    await expect(noIndex.listSessions('ada')).rejects.toThrow(/does not list sessions by user/);
    await expect(noIndex.revokeUserSessions('ada')).rejects.toThrow(/does not list sessions by user/);
    const cookies = createSessionManager({ secrets: SECRET, store: new CookieStore() });
    await expect(cookies.listSessions('ada')).rejects.toThrow(/cannot be listed or revoked/);
  });

  it('refuses metadata that is not flat JSON or over 1 KiB, at commit, and bad options at construction', async () => {
    const manager = (metadata: () => unknown) =>
      createSessionManager({ secrets: SECRET, metadata: metadata as () => undefined });
    for (const [metadata, message] of [
      [() => ({ nested: { no: 1 } }), /not a string, finite number, boolean or null/],
      [() => ({ big: 'x'.repeat(2000) }), /over 1024/],
      [() => 'text', /other than an object/],
    ] as const) {
      const sessions = manager(metadata);
      const session = sessions.load(new Request('https://a.example/'));
      session.set('n', 1);
      await expect(sessions.commit(session, new Response())).rejects.toThrow(message);
    }
    expect(() => createSessionManager({ secrets: SECRET, maxSessionsPerUser: 0 })).toThrow(
      /option maxSessionsPerUser/,
    );
    expect(() => createSessionManager({ secrets: SECRET, hooks: { created: 1 as never } })).toThrow(
      /option hooks/,
    );
    expect(() => createSessionManager({ secrets: SECRET, hookMode: 'later' as never })).toThrow(
      /option hookMode/,
    );
  });
});

describe('lifecycle hooks', () => {
  it('a hook that throws does not lose the commit; its error goes to onHookError', async () => {
    const onHookError = vi.fn();
    const sessions = createSessionManager<{ n?: number }>({
      secrets: SECRET,
      hooks: {
        created: () => {
          throw new Error('mail server down');
        },
      },
      hookMode: 'await',
      onHookError,
    });
    const browser = new CookieJar();
    const session = sessions.load(browser.request());
    session.set('n', 1);
    browser.absorb(await sessions.commit(session, new Response()));
    expect(onHookError).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'mail server down' }),
      expect.objectContaining({ type: 'created' }),
    );
    expect(await sessions.load(browser.request()).get('n')).toBe(1);
  });

  it('in the background, hooks are handed to waitUntil and the response does not wait for them', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const kept: Promise<unknown>[] = [];
    const sessions = createSessionManager<{ n?: number }>({
      secrets: SECRET,
      hooks: { created: () => slow },
    });
    const app = sessions.handle<{ waitUntil(promise: Promise<unknown>): void }>(
      async (_request, _env, _ctx, session) => {
        session.set('n', 1);
        return new Response('ok');
      },
    );
    const response = await app(new Request('https://a.example/'), undefined, {
      waitUntil: (promise) => void kept.push(promise),
    });
    expect(response.status).toBe(200);
    expect(kept).toHaveLength(1);
    release();
    await kept[0];
  });
});
