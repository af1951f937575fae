import { describe, expect, it } from 'vitest';
import { CookieStore, createSessionManager, MemoryStore } from '../../src/index.ts';
import { devicesScenario } from './devices-scenario.ts';
import { SECRET } from './helpers.ts';

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
  });
});
