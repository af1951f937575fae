import { describe, expect, it, vi } from 'vitest';
import { CookieStore, createSessionManager } from '../../src/index.ts';
import { Clock, CookieJar, SECRET } from './helpers.ts';

type Data = { blob?: string; user?: string };

function setup(maxChunks?: number) {
  const clock = new Clock();
  const manager = createSessionManager<Data>({
    secrets: SECRET,
    store: new CookieStore(maxChunks === undefined ? {} : { maxChunks }),
    now: clock.now,
    idleTimeout: 600,
    touchInterval: 60,
  });
  const browser = new CookieJar();
  const write = async (data: Data) => {
    const session = manager.load(browser.request());
    for (const [key, value] of Object.entries(data)) session.set(key as keyof Data, value);
    const response = await manager.commit(session, new Response());
    browser.absorb(response);
    return response;
  };
  const read = async (jar = browser) => {
    const session = manager.load(jar.request());
    return { blob: await session.get('blob'), user: await session.get('user'), isNew: session.isNew };
  };
  return { clock, manager, browser, write, read };
}

/** Letters and digits in no pattern: JSON leaves them alone. */
const noise = (length: number) =>
  Array.from({ length }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7919) % 36]).join('');

describe('CookieStore', () => {
  it('seals the whole session into one cookie', async () => {
    const { browser, write, read } = setup();
    const response = await write({ user: 'ada' });
    const lines = response.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^__Host-sid=[A-Za-z0-9_-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(lines[0]).not.toContain('ada');
    expect([...browser.cookies.keys()]).toEqual(['__Host-sid']);
    expect(await read()).toEqual({ blob: undefined, user: 'ada', isNew: false });
  });

  it('splits a large session into name.0, name.1, … each line within 4096 bytes', async () => {
    const { browser, write, read } = setup();
    const blob = noise(7000); // seals to ~9400 base64url characters: three cookies
    const response = await write({ blob });
    const lines = response.headers.getSetCookie();
    expect(lines.length).toBe(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(4096);
    expect(lines[0]!.length).toBeGreaterThan(4000);
    expect([...browser.cookies.keys()].sort()).toEqual(['__Host-sid.0', '__Host-sid.1', '__Host-sid.2']);
    expect((await read()).blob).toBe(blob);
  });

  it('shrinking clears the stale chunks with Max-Age=0', async () => {
    const { browser, write, read } = setup();
    await write({ blob: noise(7000) });
    const response = await write({ blob: 'small' });
    const lines = response.headers.getSetCookie();
    expect(
      lines
        .filter((l) => l.includes('Max-Age=0'))
        .map((l) => l.split('=')[0])
        .sort(),
    ).toEqual(['__Host-sid.0', '__Host-sid.1', '__Host-sid.2']);
    expect([...browser.cookies.keys()]).toEqual(['__Host-sid']);
    expect((await read()).blob).toBe('small');
    // And growing again clears the single cookie.
    await write({ blob: noise(4000) });
    expect([...browser.cookies.keys()].sort()).toEqual(['__Host-sid.0', '__Host-sid.1']);
  });

  it('a missing or tampered chunk yields an empty session', async () => {
    const { browser, write, read } = setup();
    await write({ blob: noise(7000), user: 'ada' });
    const missing = browser.clone();
    missing.cookies.delete('__Host-sid.1');
    expect(await read(missing)).toEqual({ blob: undefined, user: undefined, isNew: true });
    const tampered = browser.clone();
    const chunk = tampered.cookies.get('__Host-sid.2')!;
    tampered.cookies.set('__Host-sid.2', (chunk[0] === 'A' ? 'B' : 'A') + chunk.slice(1));
    expect(await read(tampered)).toEqual({ blob: undefined, user: undefined, isNew: true });
    const truncated = browser.clone();
    truncated.cookies.set('__Host-sid.0', '9.' + truncated.cookies.get('__Host-sid.0')!.split('.')[1]);
    expect(await read(truncated)).toMatchObject({ user: undefined });
    expect(await read()).toMatchObject({ user: 'ada' });
  });

  for (const maxChunks of [10, 3]) {
    it(`whatever it writes reads back: every chunk count from 1 to maxChunks (${maxChunks}), and one past it throws`, async () => {
      // Sealed text is ~4/3 of the JSON; a chunk carries ~4030 characters.
      const blobFor = (chunks: number) => noise(Math.floor((chunks - 0.5) * 4030 * 0.75));
      for (let chunks = 1; chunks <= maxChunks; chunks++) {
        const { browser, write, read } = setup(maxChunks);
        const blob = blobFor(chunks);
        const lines = (await write({ blob, user: 'ada' })).headers.getSetCookie();
        expect(lines, `chunks ${chunks}`).toHaveLength(chunks);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(4096);
        expect(browser.cookies.size).toBe(chunks);
        expect(await read(), `chunks ${chunks}`).toEqual({ blob, user: 'ada', isNew: false });
      }
      const { browser, write } = setup(maxChunks);
      const error = await write({ blob: blobFor(maxChunks + 1) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(new RegExp(`more than maxChunks \\(${maxChunks}\\)`));
      expect(browser.cookies.size).toBe(0);
    }, 30_000);
  }

  it('a percent-encoded copy of the sealed cookie is not the same session', async () => {
    const { browser, write, read } = setup();
    await write({ user: 'ada' });
    const copy = browser.clone();
    const sealed = copy.cookies.get('__Host-sid')!;
    copy.cookies.set('__Host-sid', `%${sealed.charCodeAt(0).toString(16).toUpperCase()}${sealed.slice(1)}`);
    expect(await read(copy)).toEqual({ blob: undefined, user: undefined, isNew: true });
    expect(await read()).toMatchObject({ user: 'ada' });
  });

  it('more than maxChunks throws a clear error at commit', async () => {
    const { write } = setup(2);
    await expect(write({ blob: noise(7000) })).rejects.toThrow(/needs 3 cookies, more than maxChunks \(2\)/);
    expect(() => new CookieStore({ maxChunks: 0 })).toThrow(/option maxChunks/);
  });

  it('enforces idle timeouts on the sealed timestamps and re-seals when a touch is due', async () => {
    const { clock, browser, write, manager, read } = setup();
    await write({ user: 'ada' });
    clock.advance(30);
    const quiet = manager.load(browser.request());
    await quiet.get('user');
    expect((await manager.commit(quiet, new Response())).headers.getSetCookie()).toEqual([]);
    clock.advance(60);
    const due = manager.load(browser.request());
    await due.get('user');
    const touched = await manager.commit(due, new Response());
    expect(touched.headers.getSetCookie()).toHaveLength(1);
    browser.absorb(touched);
    clock.advance(599);
    expect((await read()).user).toBe('ada');
    clock.advance(601);
    expect((await read()).user).toBeUndefined();
  });

  it('expires exactly the session cookies the response does not write, whatever else the request carries', async () => {
    const expired = (response: Response) =>
      response.headers
        .getSetCookie()
        .filter((l) => l.includes('Max-Age=0'))
        .map((l) => l.split('=')[0])
        .sort();
    const written = (response: Response) =>
      response.headers
        .getSetCookie()
        .filter((l) => !l.includes('Max-Age=0'))
        .map((l) => l.split('=')[0])
        .sort();
    const { browser, write, read } = setup();
    await write({ user: 'ada' });
    // Stray chunks beside the whole cookie, names that only look like chunks, and other cookies.
    for (const name of [
      '__Host-sid.0',
      '__Host-sid.01',
      '__Host-sid.x',
      '__Host-sid.',
      '__Host-sidx',
      'theme',
    ])
      browser.cookies.set(name, '2.AAAA');
    let response = await write({ user: 'bob' });
    expect(written(response)).toEqual(['__Host-sid']);
    expect(expired(response)).toEqual(['__Host-sid.0', '__Host-sid.01']);
    expect((await read()).user).toBe('bob');
    // Growing into two chunks keeps name.0 and name.1 only.
    browser.cookies.set('__Host-sid.01', 'AAAA');
    browser.cookies.set('__Host-sid.1', 'AAAA');
    browser.cookies.set('__Host-sid.5', 'AAAA');
    response = await write({ blob: noise(4000) });
    expect(written(response)).toEqual(['__Host-sid.0', '__Host-sid.1']);
    expect(expired(response)).toEqual(['__Host-sid', '__Host-sid.01', '__Host-sid.5']);
    expect(await read()).toMatchObject({ user: 'bob', blob: noise(4000) });
    // A whole cookie alone: writing it expires nothing, destroying it expires it.
    const { browser: alone, write: writeAlone, manager } = setup();
    alone.cookies.set('theme', 'dark');
    expect(expired(await writeAlone({ user: 'ada' }))).toEqual([]);
    expect(expired(await writeAlone({ user: 'bob' }))).toEqual([]);
    const session = manager.load(alone.request());
    await session.destroy();
    expect(expired(await manager.commit(session, new Response()))).toEqual(['__Host-sid']);
  });

  it('reads a cookie it sealed without decrypting, and decrypts one it has not seen', async () => {
    const { browser, write, read } = setup();
    await write({ user: 'ada' });
    const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
    try {
      expect(await read()).toEqual({ blob: undefined, user: 'ada', isNew: false });
      expect(decrypt).not.toHaveBeenCalled();
      // Another process (a new keyring from the same secret, so nothing remembered) decrypts it once.
      const elsewhere = setup();
      expect(await elsewhere.read(browser)).toEqual({ blob: undefined, user: 'ada', isNew: false });
      expect(decrypt).toHaveBeenCalledTimes(1);
      // A changed cookie is not the remembered one: decrypted, refused.
      const tampered = browser.clone();
      const sealed = tampered.cookies.get('__Host-sid')!;
      tampered.cookies.set('__Host-sid', sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BA' : 'AA'));
      expect(await read(tampered)).toEqual({ blob: undefined, user: undefined, isNew: true });
      expect(decrypt).toHaveBeenCalledTimes(2);
    } finally {
      decrypt.mockRestore();
    }
  });

  it('destroy clears every session cookie', async () => {
    const { browser, write, manager } = setup();
    await write({ blob: noise(5000) });
    const session = manager.load(browser.request());
    await session.destroy();
    const response = await manager.commit(session, new Response());
    expect(response.headers.getSetCookie().every((l) => l.includes('Max-Age=0'))).toBe(true);
    browser.absorb(response);
    expect(browser.cookies.size).toBe(0);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
