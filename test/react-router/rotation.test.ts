/**
 * Id rotation in the React Router adapter: React Router apps send the cookie
 * only when they commit, so the value rotates at a commit once it is due; a
 * value the last rotation replaced is served within grace (its commit sets
 * no cookie) and ends the whole session after it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, type SessionEvent } from '../../src/index.ts';
import { createTesseraSessionStorage } from '../../src/react-router/index.ts';
import { Clock, SECRET } from '../session/helpers.ts';

function setup() {
  const clock = new Clock();
  const events: SessionEvent[] = [];
  const storage = createTesseraSessionStorage({
    secrets: SECRET,
    store: new MemoryStore({ now: clock.now }),
    now: clock.now,
    idleTimeout: 3600,
    rotation: { every: 60, grace: 10 },
    hooks: { reuseDetected: (event) => void events.push(event) },
  });
  /** A browser: the cookie it holds, updated from every non-empty Set-Cookie. */
  const browser = () => ({ cookie: '' });
  type Browser = ReturnType<typeof browser>;
  const visit = async (who: Browser, write?: Record<string, unknown>) => {
    const session = await storage.getSession(who.cookie || null);
    const userId = session.get('userId') as string | undefined;
    if (write === undefined) return { userId, setCookie: undefined };
    for (const [key, value] of Object.entries(write)) session.set(key, value);
    const setCookie = await storage.commitSession(session);
    if (setCookie !== '') who.cookie = setCookie.split(';')[0]!;
    return { userId, setCookie };
  };
  return { clock, events, browser, visit };
}

describe('createTesseraSessionStorage with rotation', () => {
  it('rotates at the first commit once due; commits before that set no cookie', async () => {
    const { clock, browser, visit } = setup();
    const ada = browser();
    await visit(ada, { userId: 'ada' });
    const first = ada.cookie;
    expect(first).toMatch(/^__Host-sid=[\w-]{43}\.[\w-]{43}\./);
    clock.advance(30);
    expect((await visit(ada, { n: 1 })).setCookie).toBe('');
    clock.advance(31);
    expect((await visit(ada)).userId).toBe('ada'); // a read does not rotate: it cannot send a cookie
    const { setCookie } = await visit(ada, { n: 2 });
    expect(setCookie).not.toBe('');
    expect(ada.cookie).not.toBe(first);
    expect(ada.cookie.slice(0, 55)).toBe(first.slice(0, 55)); // same id, new value
    expect((await visit(ada)).userId).toBe('ada');
  });

  it('serves a replaced value within grace without a cookie, and ends the session for both holders after it', async () => {
    const { clock, browser, visit, events } = setup();
    const victim = browser();
    await visit(victim, { userId: 'ada' });
    const thief = { ...victim };
    clock.advance(61);
    await visit(thief, { n: 1 }); // the thief rotates first
    clock.advance(5);
    const inGrace = await visit(victim, { n: 2 });
    expect(inGrace.userId).toBe('ada');
    expect(inGrace.setCookie).toBe('');
    clock.advance(6);
    expect((await visit(victim)).userId).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'reuseDetected', userId: 'ada' });
    expect((await visit(thief)).userId).toBeUndefined();
  });

  it('refuses unknown hooks and a grace not shorter than every', () => {
    const make = (extra: object) => () =>
      createTesseraSessionStorage({ secrets: SECRET, rotation: { every: 60 }, ...extra });
    expect(make({ hooks: { reuseDetect: () => {} } })).toThrow(/hooks\.reuseDetect/);
    expect(make({ rotation: { every: 10, grace: 10 } })).toThrow(
      /createTesseraSessionStorage: option rotation\.grace/,
    );
  });
});
