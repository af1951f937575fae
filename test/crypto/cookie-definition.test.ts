import { describe, expect, it, vi } from 'vitest';
import { createCookie, createKeyring } from '../../src/index.ts';
import { SECRET_A, SECRET_B } from './helpers.ts';

/** The request a browser would send back after receiving `setCookie`. */
function echo(setCookie: string): Request {
  return new Request('https://example.com/', { headers: { cookie: setCookie.split(';')[0]! } });
}

describe('createCookie', () => {
  it('plain: strings as they are', async () => {
    const theme = createCookie('theme', { path: '/', sameSite: 'Lax' });
    expect(theme.mode).toBe('plain');
    const line = await theme.serialize('dark mode');
    expect(line).toBe('theme=dark%20mode; Path=/; SameSite=Lax');
    expect(await theme.get(echo(line))).toBe('dark mode');
    expect(await theme.get(new Request('https://example.com/'))).toBeNull();
    await expect(theme.serialize({ no: 'json' } as unknown as string)).rejects.toThrow(/plain cookie/);
  });

  it('signed (the default with secrets): JSON round trip, tamper and rename rejected', async () => {
    const prefs = createCookie<{ theme: string }>('prefs', { secrets: SECRET_A, path: '/', maxAge: 3600 });
    expect(prefs.mode).toBe('signed');
    const line = await prefs.serialize({ theme: 'dark' });
    expect(line).toContain('; Max-Age=3600; Path=/');
    expect(await prefs.get(echo(line))).toEqual({ theme: 'dark' });
    expect(await prefs.get(echo(line.replace('dark', 'dork')))).toBeNull();
    const renamed = createCookie<{ theme: string }>('prefs2', { secrets: SECRET_A });
    expect(await renamed.get(echo(line.replace('prefs=', 'prefs2=')))).toBeNull();
  });

  it('sealed: the value is unreadable and round-trips', async () => {
    const box = createCookie<{ cart: string[] }>('box', {
      secrets: [SECRET_B, SECRET_A],
      mode: 'sealed',
      httpOnly: true,
    });
    const line = await box.serialize({ cart: ['apple'] });
    expect(line).not.toContain('apple');
    expect(await box.get(echo(line).headers)).toEqual({ cart: ['apple'] });
  });

  it('values expire with the cookie even if a client keeps them', async () => {
    const keyring = createKeyring(SECRET_A, { memoSize: 0 });
    for (const mode of ['signed', 'sealed'] as const) {
      const short = createCookie<string>('short', { secrets: keyring, mode, maxAge: 60 });
      const line = await short.serialize('v');
      const spy = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
      try {
        expect(await short.get(echo(line)), mode).toBeNull();
      } finally {
        spy.mockRestore();
      }
      expect(await short.get(echo(line)), mode).toBe('v');
    }
  });

  it('applies prefixes and deletes with the same attributes', async () => {
    const sid = createCookie('sid', { prefix: 'host', httpOnly: true, secrets: SECRET_A });
    expect(sid.name).toBe('__Host-sid');
    const line = await sid.serialize('x');
    expect(line).toMatch(/^__Host-sid=.*; Path=\/; HttpOnly; Secure$/);
    expect(await sid.get(echo(line))).toBe('x');
    expect(sid.delete()).toBe('__Host-sid=; Max-Age=0; Path=/; HttpOnly; Secure');
    const scoped = createCookie('c', { domain: 'example.com', path: '/app', secure: true, maxAge: 10 });
    expect(scoped.delete()).toBe('c=; Max-Age=0; Domain=example.com; Path=/app; Secure');
  });

  it('throws at definition time for misconfiguration, naming the option', () => {
    expect(() => createCookie('a b')).toThrow(/name/);
    expect(() => createCookie('a', { path: 'x' })).toThrow(/option path/);
    expect(() => createCookie('a', { mode: 'signed' })).toThrow(/option secrets/);
    expect(() => createCookie('a', { mode: 'weird' as 'plain' })).toThrow(/option mode/);
    expect(() => createCookie('a', { secrets: 'short' })).toThrow(/32 bytes/);
  });

  it('overrides attributes per call', async () => {
    const c = createCookie('c', { path: '/' });
    expect(await c.serialize('v', { maxAge: 5 })).toBe('c=v; Max-Age=5; Path=/');
  });
});
