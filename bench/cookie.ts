/**
 * Cookie layer: parse, get-by-name and serialize against cookie (2.x, the
 * parse target's peer, and 1.x), cookie-es and hono. parseCookies keeps two
 * rules the others do not: a pair with a control character is dropped, and
 * the record has no prototype.
 */
import * as cookie from 'cookie';
import * as cookieEs from 'cookie-es';
import { parseCookie as cookie2Parse } from 'cookie2';
import { parse as honoParse, serialize as honoSerialize } from 'hono/utils/cookie';
import { do_not_optimize } from 'mitata';
import { hasNoControls } from '../src/cookie/parse.ts';
import { getCookie, parseCookies, serializeCookie, type CookieOptions } from '../src/index.ts';
import { compare } from './harness.ts';
import { readVector } from './vectors.ts';

/**
 * The control-character rule's own cost, beside cookie@2 (whose record
 * already has no prototype): the same check of the header parseCookies makes
 * first. Shown, not judged: the like-for-like floor the parse target leaves out.
 */
const CHECKED = 'cookie@2 parseCookie + control-character check';

export async function benchCookie(): Promise<void> {
  const top = Object.values(readVector<Record<string, string>>('top-cookie.json'));
  const small = 'theme=dark; __Host-sid=MTcwMDAwMDAwMA.abcdefghijklmnopqrstuvwxyz012345';
  const topNames = top.map((header) => Object.keys(parseCookies(header)));
  // A name in the middle of each header: present, and one that is absent.
  const present = topNames.map((names) => names[Math.floor(names.length / 2)] ?? 'x');

  await compare(
    'parse: 17 top-site headers',
    {
      'tessera parseCookies': () => {
        for (const h of top) do_not_optimize(parseCookies(h));
      },
      'cookie@2 parseCookie': () => {
        for (const h of top) do_not_optimize(cookie2Parse(h));
      },
      [CHECKED]: () => {
        for (const h of top) do_not_optimize(hasNoControls(h) && cookie2Parse(h));
      },
      'cookie parse': () => {
        for (const h of top) do_not_optimize(cookie.parse(h));
      },
      'cookie-es parse': () => {
        for (const h of top) do_not_optimize(cookieEs.parse(h));
      },
      'hono parse': () => {
        for (const h of top) do_not_optimize(honoParse(h));
      },
    },
    [{ peer: 'cookie@2 parseCookie', maxRatio: 0.8 }],
  );
  await compare(
    'parse: 2-cookie header',
    {
      'tessera parseCookies': () => do_not_optimize(parseCookies(small)),
      'cookie@2 parseCookie': () => do_not_optimize(cookie2Parse(small)),
      [CHECKED]: () => do_not_optimize(hasNoControls(small) && cookie2Parse(small)),
      'cookie parse': () => do_not_optimize(cookie.parse(small)),
      'cookie-es parse': () => do_not_optimize(cookieEs.parse(small)),
      'hono parse': () => do_not_optimize(honoParse(small)),
    },
    [{ peer: 'cookie@2 parseCookie', maxRatio: 0.8 }],
  );
  await compare(
    'get one by name (present): 17 top-site headers',
    {
      'tessera getCookie': () => {
        for (let i = 0; i < top.length; i++) do_not_optimize(getCookie(top[i]!, present[i]!));
      },
      'hono parse(header, name)': () => {
        for (let i = 0; i < top.length; i++) do_not_optimize(honoParse(top[i]!, present[i]!)[present[i]!]);
      },
    },
    [{ peer: 'hono parse(header, name)', maxRatio: 0.5 }],
  );
  await compare(
    'get one by name (present): 2-cookie header',
    {
      'tessera getCookie': () => do_not_optimize(getCookie(small, '__Host-sid')),
      'hono parse(header, name)': () => do_not_optimize(honoParse(small, '__Host-sid')['__Host-sid']),
    },
    [{ peer: 'hono parse(header, name)', maxRatio: 0.5 }],
  );
  await compare(
    'get one by name (absent): 17 top-site headers',
    {
      'tessera getCookie': () => {
        for (const h of top) do_not_optimize(getCookie(h, '__Host-sid'));
      },
      'hono parse(header, name)': () => {
        for (const h of top) do_not_optimize(honoParse(h, '__Host-sid')['__Host-sid']);
      },
    },
    [{ peer: 'hono parse(header, name)', maxRatio: 0.9 }],
  );
  // No target: with no punctuation prefix to skip, both sides are one indexOf.
  await compare('get one by name (absent, plain name "sid"): 17 top-site headers', {
    'tessera getCookie': () => {
      for (const h of top) do_not_optimize(getCookie(h, 'sid'));
    },
    'hono parse(header, name)': () => {
      for (const h of top) do_not_optimize(honoParse(h, 'sid')['sid']);
    },
  });

  const expires = new Date(Date.now() + 86_400_000);
  const options: CookieOptions = {
    maxAge: 86_400,
    domain: 'example.com',
    path: '/',
    expires,
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    partitioned: true,
    priority: 'High',
  };
  const value = 'a1b2c3d4e5f6';
  await compare(
    'serialize with all attributes',
    {
      'tessera serializeCookie': () => do_not_optimize(serializeCookie('sid', value, options)),
      'hono serialize': () => do_not_optimize(honoSerialize('sid', value, options)),
      'cookie serialize': () =>
        do_not_optimize(cookie.serialize('sid', value, options as cookie.SerializeOptions)),
    },
    [{ peer: 'hono serialize', maxRatio: 1.0 }],
  );
}
