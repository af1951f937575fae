/**
 * docs/migrating.md, run: each "carry over" snippet, as printed, receives
 * cookies made by the peer library itself — valid, tampered, expired — and
 * must carry the user over into a Tessera session only for the valid one,
 * deleting the old cookie either way. The old cookies' attributes are
 * checked against what the guide says of each peer's defaults.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEncryptionKey, epoch, jweEncrypt } from '@hono/session/cookies';
import { type SessionEnv as HonoSessionEnv, useSession } from '@hono/session';
import session from 'express-session';
import { Hono } from 'hono';
import { generateSignedCookie } from 'hono/cookie';
import { CookieStore as OldCookieStore, encrypt, sessionMiddleware, type Session } from 'hono-sessions';
import { getIronSession, sealData } from 'iron-session';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/index.ts';
import { session as tesseraSession, type SessionEnv } from '../../src/hono/index.ts';
import { carryOverSnippet, removeSnippets } from './snippets.ts';

const SECRET = 'tessera-secret-0123456789-abcdefghijklmnop';
const OLD = 'the-old-secret-0123456789-abcdefghijklmnop';
const ORIGIN = 'https://app.example';

type App = { request(path: string, init?: RequestInit, env?: object): Response | Promise<Response> };

/** The Cookie pair of a Set-Cookie line. */
const pairOf = (setCookie: string) => setCookie.split(';')[0]!;
/** Flips one character in the middle of a cookie's value. */
const tamper = (pair: string) => {
  const at = pair.indexOf('=') + Math.floor((pair.length - pair.indexOf('=')) / 2);
  return pair.slice(0, at) + (pair[at] === 'A' ? 'B' : 'A') + pair.slice(at + 1);
};

/** Sends `cookie`, then, with the Tessera cookie the response set, asks again. */
async function visit(app: App, env: object, cookie: string) {
  const first = await app.request(`${ORIGIN}/`, { headers: { cookie } }, env);
  const setCookies = first.headers.getSetCookie();
  const tessera = setCookies.find((line) => line.startsWith('__Host-sid='));
  const second = tessera
    ? await (await app.request(`${ORIGIN}/`, { headers: { cookie: pairOf(tessera) } }, env)).text()
    : undefined;
  return { text: await first.text(), setCookies, again: second };
}

afterEach(() => void vi.useRealTimers());
afterAll(removeSnippets);

describe('carry over: hono/cookie', async () => {
  const { default: app } = await carryOverSnippet<{ default: App }>('hono/cookie');
  const env = { COOKIE_SECRET: SECRET, OLD_COOKIE_SECRET: OLD };
  const old = await generateSignedCookie('theme', 'dark', OLD);

  it("hono's signed cookie is value.base64(HMAC), Path=/ only", () => {
    expect(old).toMatch(/^theme=dark\.[A-Za-z0-9%]{44,}; Path=\/$/);
  });

  it('a valid old cookie is read and replaced by a Tessera cookie of the same name', async () => {
    const { text, setCookies, again } = await visit(app, env, pairOf(old));
    expect(text).toBe('Theme: dark');
    expect(setCookies).toHaveLength(1);
    expect(setCookies[0]).toMatch(/^theme=%22dark%22\.[A-Za-z0-9_-]+; Max-Age=31536000; Path=\/$/);
    const next = await app.request(`${ORIGIN}/`, { headers: { cookie: pairOf(setCookies[0]!) } }, env);
    expect(await next.text()).toBe('Theme: dark');
    expect(next.headers.getSetCookie()).toEqual([]); // read from Tessera's cookie now
  });

  it('a tampered old cookie, or one signed with another secret, is ignored', async () => {
    const foreign = await generateSignedCookie('theme', 'dark', `${OLD}-other`);
    for (const cookie of [tamper(pairOf(old)), pairOf(foreign), 'theme=dark']) {
      const { text, setCookies } = await visit(app, env, cookie);
      expect(text, cookie).toBe('Theme: light');
      expect(setCookies, cookie).toEqual([]);
    }
  });
});

/** A Tessera app's answer and the Set-Cookie lines, for session carry-overs (the text is the user). */
function expectCarried(result: Awaited<ReturnType<typeof visit>>, oldName: string, user: string | null) {
  expect(result.setCookies.some((line) => line.startsWith(`${oldName}=;`) && /Max-Age=0/.test(line))).toBe(
    true,
  );
  if (user === null) {
    expect(result.text).toBe('Not logged in');
    expect(result.setCookies.some((line) => line.startsWith('__Host-sid='))).toBe(false);
  } else {
    expect(result.text).toBe(user);
    expect(result.again).toBe(user);
  }
}

describe('carry over: hono-sessions', async () => {
  const { default: app } = await carryOverSnippet<{ default: App }>('hono-sessions');
  const env = { SESSION_SECRET: SECRET, OLD_SESSION_KEY: OLD };
  const peer = new Hono<{ Variables: { session: Session<{ userId: string }> } }>();
  peer.use(sessionMiddleware({ store: new OldCookieStore(), encryptionKey: OLD, expireAfterSeconds: 900 }));
  peer.get('/login', (c) => {
    c.get('session').set('userId', 'ada');
    return c.text('ok');
  });
  const old = (await peer.request('/login')).headers.getSetCookie().at(-1)!;

  it("hono-sessions' cookie is an iron seal named session, Path=/ only", () => {
    expect(old).toMatch(/^session=Fe26\.2\*[^;]+; Path=\/$/);
  });

  it('a live old session is carried over; the old cookie is deleted', async () => {
    expectCarried(await visit(app, env, pairOf(old)), 'session', 'ada');
  });

  it('an expired, tampered or foreign old session is not', async () => {
    const expired = await encrypt(
      OLD,
      JSON.stringify({
        _data: { userId: { value: 'ada', flash: false } },
        _expire: new Date(Date.now() - 1000).toISOString(),
        _delete: false,
        _accessed: null,
      }),
    );
    const foreign = await encrypt(`${OLD}-other`, JSON.stringify({ _data: { userId: { value: 'ada' } } }));
    for (const cookie of [`session=${expired}`, tamper(pairOf(old)), `session=${foreign}`, 'session=x']) {
      expectCarried(await visit(app, env, cookie), 'session', null);
    }
  });
});

describe('carry over: @hono/session', async () => {
  const { default: app } = await carryOverSnippet<{ default: App }>('@hono/session');
  const env = { SESSION_SECRET: SECRET, AUTH_SECRET: OLD };
  const peer = new Hono<HonoSessionEnv<{ userId?: string }>>();
  peer.use(useSession({ secret: OLD }));
  peer.get('/login', async (c) => {
    await c.var.session.update({ userId: 'ada' });
    return c.text('ok');
  });
  const old = (await peer.request('/login')).headers.getSetCookie()[0]!;

  it("@hono/session's cookie is a JWE named sid: HttpOnly, SameSite=Lax, no Secure", () => {
    expect(old).toMatch(/^sid=eyJ[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('a live old session is carried over; the old cookie is deleted', async () => {
    expectCarried(await visit(app, env, pairOf(old)), 'sid', 'ada');
  });

  it('an expired, tampered or foreign old session is not', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined); // jweDecrypt logs failures
    try {
      const key = await createEncryptionKey(OLD);
      const payload = { sid: 'x', userId: 'ada', iat: epoch() - 60 };
      const { jwe: expired } = await jweEncrypt(payload, key, { absolute: 30 });
      const { jwe: foreign } = await jweEncrypt(payload, await createEncryptionKey(`${OLD}-other`));
      for (const cookie of [`sid=${expired}`, tamper(pairOf(old)), `sid=${foreign}`, 'sid=x']) {
        expectCarried(await visit(app, env, cookie), 'sid', null);
      }
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('carry over: iron-session', async () => {
  type Handler = { fetch(request: Request, env: object, ctx?: unknown): Promise<Response> };
  const { default: worker } = await carryOverSnippet<{ default: Handler }>('iron-session');
  const env = { SESSION_SECRET: SECRET, OLD_IRON_PASSWORD: OLD };
  const app: App = { request: (path, init, e) => worker.fetch(new Request(path, init), e!) };
  const response = new Response();
  const peer = await getIronSession<{ userId?: string }>(new Request(ORIGIN), response, {
    cookieName: 'app_session',
    password: OLD,
  });
  peer.userId = 'ada';
  await peer.save();
  const old = response.headers.getSetCookie()[0]!;

  it("iron-session's cookie is a seal (Fe26.2…~2), persistent for 14 days, HttpOnly, Secure, SameSite=Lax", () => {
    expect(old).toMatch(
      /^app_session=Fe26\.2\*[^;]+~2; Max-Age=1209540; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('a live old session is carried over; the old cookie is deleted', async () => {
    expectCarried(await visit(app, env, pairOf(old)), 'app_session', 'ada');
  });

  it('an expired, tampered or foreign old session is not', async () => {
    const expiring = await sealData({ userId: 'ada' }, { password: OLD, ttl: 1 });
    const foreign = await sealData({ userId: 'ada' }, { password: `${OLD}-other` });
    for (const cookie of [tamper(pairOf(old)), `app_session=${foreign}`, 'app_session=x']) {
      expectCarried(await visit(app, env, cookie), 'app_session', null);
    }
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 60_000); // past the seal's ttl and iron's 60 s clock skew
    expectCarried(await visit(app, env, `app_session=${expiring}`), 'app_session', null);
  });
});

describe('carry over: express-session', async () => {
  type Snippet = {
    expressSessionId(cookie: string, secrets: string[]): Promise<string | null>;
    carryOverExpressSessions(options: {
      secrets: string[];
      load(id: string): Promise<object | null>;
    }): Parameters<Hono['use']>[0];
  };
  const snippet = await carryOverSnippet<Snippet>('express-session');
  const oldStore = new session.MemoryStore();
  const load = (id: string) =>
    new Promise<object | null>((resolve, reject) =>
      oldStore.get(id, (error: unknown, record?: object) =>
        error ? reject(error) : resolve(record ?? null),
      ),
    );

  /** A real express-session (secrets `secrets`, the first signing) on Node's http server: its login cookie. */
  async function expressLogin(secrets: string[]): Promise<string> {
    const middleware = session({ secret: secrets, resave: false, saveUninitialized: false, store: oldStore });
    const server = createServer((req: IncomingMessage, res: ServerResponse) =>
      middleware(req, res, () => {
        (req as IncomingMessage & { session: { userId?: string } }).session.userId = 'ada';
        res.end('ok');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return (await fetch(`http://127.0.0.1:${port}/login`)).headers.getSetCookie()[0]!;
    } finally {
      server.close();
    }
  }

  const app = new Hono<SessionEnv<{ userId?: string }>>();
  app.use(tesseraSession({ secrets: SECRET, store: new MemoryStore() }));
  app.use(snippet.carryOverExpressSessions({ secrets: [OLD], load }));
  app.get('/', async (c) => c.text((await c.var.session.get('userId')) ?? 'Not logged in'));
  const old = await expressLogin([OLD]);

  it("express-session's cookie is connect.sid=s:<id>.<signature>, Path=/ and HttpOnly only", () => {
    expect(old).toMatch(/^connect\.sid=s%3A[\w-]{32}\.[A-Za-z0-9%]+; Path=\/; HttpOnly$/);
  });

  it('verifies the signature with any of the secrets, and nothing else', async () => {
    const rotated = await expressLogin([`${OLD}-new`, OLD]);
    const value = decodeURIComponent(pairOf(rotated).slice('connect.sid='.length));
    const id = value.slice(2, value.lastIndexOf('.'));
    expect(await snippet.expressSessionId(value, [`${OLD}-new`])).toBe(id);
    expect(await snippet.expressSessionId(value, [OLD, `${OLD}-new`])).toBe(id);
    expect(await snippet.expressSessionId(value, [OLD])).toBeNull();
    const otherId = `s:${id.slice(0, 5)}${id[5] === 'A' ? 'B' : 'A'}${value.slice(8)}`;
    for (const bad of [`s:${id}`, `${id}.abc`, `s:${id}.!!!`, 's:.', '', otherId]) {
      expect(await snippet.expressSessionId(bad, [`${OLD}-new`, OLD]), bad).toBeNull();
    }
  });

  it('a live old session is carried over; the old cookie is deleted', async () => {
    expectCarried(await visit(app, {}, pairOf(old)), 'connect.sid', 'ada');
  });

  it('an expired, tampered, foreign or unknown old session is not', async () => {
    const expiredApp = new Hono<SessionEnv<{ userId?: string }>>();
    expiredApp.use(tesseraSession({ secrets: SECRET, store: new MemoryStore() }));
    expiredApp.use(
      snippet.carryOverExpressSessions({
        secrets: [OLD],
        load: async () => ({ userId: 'ada', cookie: { expires: new Date(Date.now() - 1000).toISOString() } }),
      }),
    );
    expiredApp.get('/', async (c) => c.text((await c.var.session.get('userId')) ?? 'Not logged in'));
    expectCarried(await visit(expiredApp, {}, pairOf(old)), 'connect.sid', null);
    const foreign = await expressLogin([`${OLD}-other`]);
    const unknown = await expressLogin([OLD]);
    await new Promise((resolve) => oldStore.clear(resolve));
    for (const cookie of [tamper(pairOf(old)), pairOf(foreign), pairOf(unknown), 'connect.sid=s%3Ax.y']) {
      expectCarried(await visit(app, {}, cookie), 'connect.sid', null);
    }
  });
});
