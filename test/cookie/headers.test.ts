import { describe, expect, it } from 'vitest';
import { deleteCookie, setCookie } from '../../src/index.ts';

describe('setCookie', () => {
  it('appends one header per cookie, never joined', () => {
    const headers = new Headers({ 'set-cookie': 'other=1' });
    setCookie(headers, 'a', '1');
    setCookie(headers, 'b', '2', { path: '/' });
    expect(headers.getSetCookie()).toEqual(['other=1', 'a=1', 'b=2; Path=/']);
  });

  it('setting the same cookie twice leaves one header, the last', () => {
    const headers = new Headers();
    setCookie(headers, 'a', '1', { path: '/' });
    setCookie(headers, 'b', '2');
    setCookie(headers, 'a', '3', { path: '/' });
    expect(headers.getSetCookie()).toEqual(['b=2', 'a=3; Path=/']);
  });

  it('keeps cookies that share a name but not a Path or Domain', () => {
    const headers = new Headers();
    setCookie(headers, 'a', '1', { path: '/x' });
    setCookie(headers, 'a', '2', { path: '/y' });
    setCookie(headers, 'a', '3', { domain: 'example.com', path: '/x' });
    expect(headers.getSetCookie()).toHaveLength(3);
  });

  it('writes onto a Response', () => {
    const response = new Response('ok');
    const line = setCookie(response, 'a', 'b c');
    expect(line).toBe('a=b%20c');
    expect(response.headers.getSetCookie()).toEqual(['a=b%20c']);
  });
});

describe('deleteCookie', () => {
  it('repeats Path, Domain and Secure and sends Max-Age=0', () => {
    const headers = new Headers();
    const line = deleteCookie(headers, 'a', { path: '/app', domain: 'example.com', secure: true });
    expect(line).toBe('a=; Max-Age=0; Domain=example.com; Path=/app; Secure');
    expect(headers.getSetCookie()).toEqual([line]);
  });

  it('replaces a Set-Cookie for the same cookie in the same response', () => {
    const headers = new Headers();
    setCookie(headers, 'a', '1', { path: '/' });
    deleteCookie(headers, 'a', { path: '/' });
    expect(headers.getSetCookie()).toEqual(['a=; Max-Age=0; Path=/']);
  });

  it('keeps prefixed deletions valid (Secure, Path=/)', () => {
    expect(deleteCookie(new Headers(), '__Host-sid')).toBe('__Host-sid=; Max-Age=0; Path=/; Secure');
    expect(deleteCookie(new Headers(), 'sid', { prefix: 'secure' })).toBe('__Secure-sid=; Max-Age=0; Secure');
  });

  it('keeps __Http- and __Host-Http- deletions valid (HttpOnly, Secure, Path=/)', () => {
    expect(deleteCookie(new Headers(), '__Http-a')).toBe('__Http-a=; Max-Age=0; HttpOnly; Secure');
    expect(deleteCookie(new Headers(), '__host-http-a')).toBe(
      '__host-http-a=; Max-Age=0; Path=/; HttpOnly; Secure',
    );
    expect(() => deleteCookie(new Headers(), '__Http-a', { httpOnly: false })).toThrow(/httpOnly/);
  });
});
