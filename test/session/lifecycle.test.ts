/** Lifecycle hooks (src/session/lifecycle.ts): when they run, and what their errors cannot undo. */
import { describe, expect, it, vi } from 'vitest';
import { createSessionManager } from '../../src/index.ts';
import { CookieJar, SECRET } from './helpers.ts';

describe('lifecycle hooks', () => {
  it('refuses hooks that are not functions and an unknown hookMode, at construction', () => {
    expect(() => createSessionManager({ secrets: SECRET, hooks: { created: 1 as never } })).toThrow(
      /option hooks/,
    );
    expect(() => createSessionManager({ secrets: SECRET, hookMode: 'later' as never })).toThrow(
      /option hookMode/,
    );
  });

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
