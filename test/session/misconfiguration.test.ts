/**
 * Mistakes in setup fail loudly, naming what to change: unknown option names
 * (with the nearest known one), renamed options (a one-time warning), a
 * missing secret or binding (at the first request on Workers), a proxy that
 * hides https.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CookieStore,
  createConsent,
  createCookie,
  createKeyring,
  createSessionManager,
  MemoryStore,
  readCache,
  sign,
  verify,
  verifyCsrf,
} from '../../src/index.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DenoKVStore } from '../../src/stores/deno-kv.ts';
import { bunRedis, ioRedis, nodeRedis, RedisStore } from '../../src/stores/redis/index.ts';
import { SECRET } from './helpers.ts';

const fakeKv = {
  get: async () => null,
  put: async () => {},
  delete: async () => {},
  list: async () => ({ keys: [] }),
};
const fakeRedis = { send: async () => null };

afterEach(() => vi.restoreAllMocks());

describe('unknown option names are refused, with the nearest known name', () => {
  it.each([
    [
      'createSessionManager',
      () => createSessionManager({ secrets: SECRET, idleTimout: 60 } as never),
      /createSessionManager: unknown option "idleTimout"; did you mean "idleTimeout"/,
    ],
    [
      'cookie.*',
      () => createSessionManager({ secrets: SECRET, cookie: { samesite: 'Strict' } } as never),
      /unknown option "cookie.samesite"; did you mean "cookie.sameSite"/,
    ],
    [
      'sessionToken.*',
      () => createSessionManager({ secrets: SECRET, sessionToken: { headr: 'x-session' } } as never),
      /unknown option "sessionToken.headr"; did you mean "sessionToken.header"/,
    ],
    [
      'hooks.*',
      () => createSessionManager({ secrets: SECRET, hooks: { destroy: () => {} } } as never),
      /unknown option "hooks.destroy"; did you mean "hooks.destroyed"/,
    ],
    [
      'an old store spelling on the manager',
      () => createSessionManager({ secrets: SECRET, trustProxies: true } as never),
      /did you mean "trustProxy"/,
    ],
    [
      'readCache',
      () => readCache({ maxage: 30 } as never),
      /readCache: unknown option "maxage"; did you mean "maxAge"/,
    ],
    [
      'MemoryStore',
      () => new MemoryStore({ maxEntrys: 5 } as never),
      /MemoryStore: unknown option "maxEntrys"; did you mean "maxEntries"/,
    ],
    ['CookieStore', () => new CookieStore({ chunks: 5 } as never), /CookieStore: unknown option "chunks"/],
    [
      'KVStore',
      () => new KVStore(fakeKv as never, { keyprefix: 's:' } as never),
      /KVStore: unknown option "keyprefix"; did you mean "keyPrefix"/,
    ],
    [
      'RedisStore',
      () => new RedisStore(fakeRedis, { perfix: 's:' } as never),
      /RedisStore: unknown option "perfix"; did you mean "keyPrefix"/,
    ],
    [
      'D1Store',
      () => new D1Store({ prepare: () => ({}) } as never, { tabel: 'x' } as never),
      /D1Store: unknown option "tabel"; did you mean "table"/,
    ],
    [
      'DenoKVStore',
      () => new DenoKVStore({ atomic: () => ({}), get: async () => ({}) } as never, { attempt: 3 } as never),
      /DenoKVStore: unknown option "attempt"; did you mean "attempts"/,
    ],
    [
      'createCookie',
      () => createCookie('theme', { httponly: true } as never),
      /createCookie: unknown option "httponly"; did you mean "httpOnly"/,
    ],
    [
      'createConsent',
      () => createConsent({ secrets: SECRET, policyVersion: '1', reportheader: 'x' } as never),
      /createConsent: unknown option "reportheader"; did you mean "reportHeader"/,
    ],
    [
      'createConsent cookie.*',
      () => createConsent({ secrets: SECRET, policyVersion: '1', cookie: { nmae: 'c' } } as never),
      /unknown option "cookie.nmae"; did you mean "cookie.name"/,
    ],
    [
      'createKeyring',
      () => createKeyring(SECRET, { memo: 4 } as never),
      /createKeyring: unknown option "memo"; did you mean "memoSize"/,
    ],
    [
      'sign',
      () => sign(createKeyring(SECRET), 'n', 'v', { expire: new Date() } as never),
      /sign: unknown option "expire"; did you mean "expires"/,
    ],
    [
      'verify',
      () => verify(createKeyring(SECRET), 'n', 'v', { nw: () => 0 } as never),
      /verify: unknown option "nw"; did you mean "now"/,
    ],
  ])('%s', async (_name, make, message) => {
    await expect(async () => make()).rejects.toThrow(message);
  });

  it('a name far from every known one lists the known ones', () => {
    expect(() => new MemoryStore({ zzzzzzzz: 1 } as never)).toThrow(
      /known options: maxEntries, sweepIntervalMs, now/,
    );
  });

  it('absoluteTimeout shorter than idleTimeout is refused', () => {
    expect(() => createSessionManager({ secrets: SECRET, idleTimeout: 3600, absoluteTimeout: 600 })).toThrow(
      /option absoluteTimeout \(600 s\) is shorter than idleTimeout \(3600 s\)/,
    );
  });
});

describe('renamed options: the old spelling works for one minor release, with one warning', () => {
  it.each([
    [
      'MemoryStore sweepInterval',
      () => new MemoryStore({ sweepInterval: 1000 }),
      /MemoryStore: option sweepInterval is deprecated.*sweepIntervalMs/,
    ],
    [
      'KVStore prefix',
      () => new KVStore(fakeKv as never, { prefix: 'old:' }),
      /KVStore: option prefix is deprecated.*keyPrefix/,
    ],
    [
      'KVStore backoff',
      () => new KVStore(fakeKv as never, { backoff: 5 }),
      /KVStore: option backoff is deprecated.*backoffMs/,
    ],
    [
      'RedisStore prefix',
      () => new RedisStore(fakeRedis, { prefix: 'old:' }),
      /RedisStore: option prefix is deprecated.*keyPrefix/,
    ],
    [
      'DenoKVStore prefix',
      () => new DenoKVStore({ atomic: () => ({}), get: async () => ({}) } as never, { prefix: 'old' }),
      /DenoKVStore: option prefix is deprecated.*keyPrefix/,
    ],
    [
      'verifyCsrf headerName',
      () =>
        verifyCsrf(
          createSessionManager({ secrets: SECRET }).load(new Request('https://a.example/')),
          new Request('https://a.example/'),
          { headerName: 'x-t' },
        ),
      /verifyCsrf: option headerName is deprecated.*header/,
    ],
  ])('%s', async (_name, make, message) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await make();
    await make();
    const matching = warn.mock.calls.filter(([text]) => message.test(String(text)));
    // Once per process: this test may run after another that already warned.
    expect(matching.length).toBeLessThanOrEqual(1);
  });

  it('old and new spelling together are refused; the new one is the one used', () => {
    expect(() => new KVStore(fakeKv as never, { prefix: 'a:', keyPrefix: 'b:' })).toThrow(
      /options prefix and keyPrefix are the same option; keep keyPrefix/,
    );
  });

  it('verify / unseal: now is a function; a number still works, deprecated', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const keyring = createKeyring(SECRET);
    const now = Date.UTC(2030, 0, 1);
    const signed = await sign(keyring, 'sid', 'v', { expires: new Date(now + 60_000) });
    expect(await verify(keyring, 'sid', signed, { now: () => now })).toBe('v');
    expect(await verify(keyring, 'sid', signed, { now: () => now + 60_000 })).toBeNull();
    expect(await verify(keyring, 'sid', signed, { now: now + 60_000 })).toBeNull();
    await expect(verify(keyring, 'sid', signed, { now: 'soon' as never })).rejects.toThrow(
      /option now must be a function/,
    );
  });
});

describe('setup errors say what to do', () => {
  it('a missing secret says it is undefined and how to set it', () => {
    const env: { SESSION_SECRET?: string } = {};
    expect(() => createSessionManager({ secrets: [env.SESSION_SECRET!] })).toThrow(
      /secret 0 is undefined: is the variable holding it unset\? set it: on Workers `wrangler secret put SESSION_SECRET`.*\.dev\.vars/,
    );
    expect(() => createSessionManager({ secrets: env.SESSION_SECRET! })).toThrow(
      /option secrets is required, and it is undefined/,
    );
  });

  it('on Workers the first request through handle() checks secrets, even on a route that never touches the session', async () => {
    type Env = { SESSION_SECRET?: string };
    const manager = createSessionManager<{}, { env: Env }>({ secrets: (env) => [env.SESSION_SECRET!] });
    const handler = manager.handle(() => new Response('static'));
    await expect(handler(new Request('https://a.example/'), {}, undefined)).rejects.toThrow(
      /option secrets: createKeyring: secret 0 is undefined.*wrangler secret put/,
    );
    const good = { SESSION_SECRET: SECRET };
    expect((await handler(new Request('https://a.example/'), good, undefined)).status).toBe(200);
  });

  it('a missing or misnamed binding names the bindings env has and points at wrangler.toml', async () => {
    type Env = { SESSIONS_KV?: unknown; DB?: unknown };
    const manager = createSessionManager<{}, { env: Env }>({
      secrets: SECRET,
      store: (_request, env) => new KVStore((env as Record<string, never>).SESSIONS as never),
    });
    const handler = manager.handle(() => new Response('static'));
    const failure = handler(new Request('https://a.example/'), { SESSIONS_KV: fakeKv, DB: {} }, undefined);
    await expect(failure).rejects.toThrow(
      /KVStore: the first argument is undefined: pass the KV namespace binding/,
    );
    await expect(
      handler(new Request('https://a.example/'), { SESSIONS_KV: fakeKv, DB: {} }, undefined),
    ).rejects.toThrow(/wrangler\.toml \(\[\[kv_namespaces\]\].*env has: SESSIONS_KV, DB/);
    expect(() => new D1Store('DB' as never)).toThrow(
      /D1Store: the first argument is a string, not a D1 database.*\[\[d1_databases\]\]/,
    );
  });

  it('Redis adapters given no client say what to pass', () => {
    expect(() => nodeRedis(undefined as never)).toThrow(
      /nodeRedis: the client is undefined; pass a connected client, e\.g\. nodeRedis\(await createClient/,
    );
    expect(() => ioRedis(undefined as never)).toThrow(/ioRedis: the client is undefined; .*new Redis\(/);
    expect(() => bunRedis(null as never)).toThrow(/bunRedis: the client is null; .*new RedisClient\(/);
  });
});

describe('trustProxy', () => {
  const behindProxy = (headers: Record<string, string>) => new Request('http://app.example/', { headers });

  async function cookieFor(request: Request, trustProxy?: boolean) {
    const manager = createSessionManager({
      secrets: SECRET,
      ...(trustProxy === undefined ? {} : { trustProxy }),
    });
    const session = manager.load(request);
    session.set('x', 1);
    return (await manager.commit(session, new Response())).headers.getSetCookie()[0]!;
  }

  it('lets X-Forwarded-Proto or Forwarded: proto= keep Secure and the __Host- name', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await cookieFor(behindProxy({ 'x-forwarded-proto': 'https' }), true)).toMatch(
      /^__Host-sid=.*; Secure/,
    );
    expect(await cookieFor(behindProxy({ forwarded: 'for=1.2.3.4;proto=https, proto=http' }), true)).toMatch(
      /^__Host-sid=/,
    );
    expect(await cookieFor(behindProxy({ 'x-forwarded-proto': 'http' }), true)).toMatch(/^sid=/);
  });

  it('without it, a client cannot claim https; and a cookie without Secure to a real host warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const line = await cookieFor(behindProxy({ 'x-forwarded-proto': 'https' }));
    expect(line).toMatch(/^sid=/);
    expect(line).not.toMatch(/Secure/);
    await cookieFor(behindProxy({}));
    const warnings = warn.mock.calls.filter(([text]) =>
      /sent without Secure to app\.example.*trustProxy: true/.test(String(text)),
    );
    expect(warnings.length).toBeLessThanOrEqual(1);
    // Loopback never warns: browsers treat it as secure.
    warn.mockClear();
    await cookieFor(new Request('http://localhost:8787/'));
    expect(warn).not.toHaveBeenCalled();
  });

  it('must be a boolean', () => {
    expect(() => createSessionManager({ secrets: SECRET, trustProxy: 'yes' as never })).toThrow(
      /option trustProxy must be a boolean/,
    );
  });
});

describe('two managers on one cookie name', () => {
  it('a cookie of the other manager warns (once) that they replace each other’s cookie', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const users = createSessionManager({ secrets: SECRET, cookie: { name: '__Host-shared' } });
    const admins = createSessionManager({ secrets: `${SECRET}-admin`, cookie: { name: '__Host-shared' } });
    const first = users.load(new Request('https://a.example/'));
    first.set('user', 'ada');
    const cookie = (await users.commit(first, new Response())).headers.getSetCookie()[0]!.split(';')[0]!;
    const other = admins.load(new Request('https://a.example/', { headers: { cookie } }));
    expect(await other.get('user')).toBeUndefined();
    await admins.commit(other, new Response());
    expect(warn.mock.calls.map(([text]) => String(text)).join('\n')).toMatch(
      /session cookie "__Host-shared" did not verify, and another session manager in this process uses the same cookie name/,
    );
  });
});
