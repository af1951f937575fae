/**
 * The middleware inside workerd on the real bindings: the store is built from
 * the Hono context (`store: (c) => new KVStore(c.env.SESSIONS_KV)`), and the
 * bindings reach it through `app.request(request, init, env)`.
 */
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { csrf, csrfToken, session, type SessionEnv } from '../../src/hono/index.ts';
import type { SessionPatch, SessionRecord, SessionStore } from '../../src/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { CookieJar } from '../session/helpers.ts';
import { buildApp, setCookieNames, tamper } from './app.ts';

const SECRET = 'hono-workerd-secret-0123456789-abcdefghij';
const SID = '__Host-sid';
type Bindings = typeof env;

/** Delegates to `inner`, recording each call's method name. */
function counting(inner: SessionStore, calls: string[]): SessionStore {
  const store: SessionStore = {
    get(key) {
      calls.push('get');
      return inner.get(key);
    },
    set(key, record, expiresAt) {
      calls.push('set');
      return inner.set(key, record, expiresAt);
    },
    delete(key) {
      calls.push('delete');
      return inner.delete(key);
    },
  };
  const { update, touch } = inner;
  if (update) {
    store.update = (key: string, patch: SessionPatch) => {
      calls.push('update');
      return update.call(inner, key, patch);
    };
  }
  if (touch) {
    store.touch = (key: string, record: SessionRecord, expiresAt: number) => {
      calls.push('touch');
      return touch.call(inner, key, record, expiresAt);
    };
  }
  return store;
}

let run = 0;
const backends: [string, (bindings: Bindings) => SessionStore][] = [
  // A prefix per app keeps tests from reading each other's keys.
  ['Workers KV', (bindings) => new KVStore(bindings.SESSIONS_KV, { prefix: `hono-${run}:` })],
  ['Durable Objects', (bindings) => new DurableObjectStore(bindings.SESSIONS_DO)],
];

for (const [name, makeStore] of backends) {
  describe(`session() on ${name}`, () => {
    function setup() {
      run++;
      const calls: string[] = [];
      let factoryCalls = 0;
      const built = buildApp<Bindings>(
        {
          secrets: SECRET,
          store: (c) => {
            factoryCalls++;
            return counting(makeStore(c.env), calls);
          },
        },
        env,
      );
      return { ...built, calls, factoryCalls: () => factoryCalls };
    }

    it('login sets the session, the next request reads it, logout clears it', async () => {
      const { send } = setup();
      const browser = new CookieJar();
      const login = await send(browser, '/login?user=ada', { method: 'POST' });
      expect(login.status).toBe(302);
      expect(setCookieNames(login)).toEqual([SID]);
      expect(await (await send(browser, '/')).json()).toEqual({ userId: 'ada', notice: 'Welcome', n: 0 });

      const stolen = browser.clone();
      const logout = await send(browser, '/logout', { method: 'POST' });
      expect(logout.headers.getSetCookie()).toEqual([
        `${SID}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
      ]);
      expect(await (await send(stolen, '/')).json()).toMatchObject({ userId: null });
    });

    it('tampering logs out without a store call', async () => {
      const { send, calls } = setup();
      const browser = new CookieJar();
      await send(browser, '/login?user=ada', { method: 'POST' });
      browser.cookies.set(SID, tamper(browser.cookies.get(SID)!));
      calls.length = 0;
      const response = await send(browser, '/');
      expect(await response.json()).toMatchObject({ userId: null });
      expect(calls).toEqual([]);
      expect(browser.cookies.has(SID)).toBe(false);
    });

    it('a route that never touches the session: no Set-Cookie, no store built, no store call', async () => {
      const { send, calls, factoryCalls } = setup();
      const browser = new CookieJar();
      await send(browser, '/login?user=ada', { method: 'POST' });
      const before = factoryCalls();
      calls.length = 0;
      const response = await send(browser, '/static');
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(calls).toEqual([]);
      expect(factoryCalls()).toBe(before);
    });

    it('two Set-Cookie lines from the handler plus the session’s all arrive', async () => {
      const { send } = setup();
      const browser = new CookieJar();
      expect(setCookieNames(await send(browser, '/cookies'))).toEqual(['theme', 'lang', SID]);
      expect(setCookieNames(await send(browser, '/new-response'))).toEqual(['a', 'b']);
      expect(await (await send(browser, '/')).json()).toMatchObject({ n: 2 });
    });

    it('a redirect with immutable headers and a sub-app both commit', async () => {
      const { send } = setup();
      const browser = new CookieJar();
      const redirect = await send(browser, '/redirect-immutable');
      expect([redirect.status, setCookieNames(redirect)]).toEqual([303, [SID]]);
      await send(browser, '/admin/promote', { method: 'POST' });
      expect(await (await send(browser, '/admin/whoami')).text()).toBe('admin');
    });

    it('a handler that throws reaches onError and writes nothing', async () => {
      const { send, calls, errors } = setup();
      const browser = new CookieJar();
      await send(browser, '/login?user=ada', { method: 'POST' });
      calls.length = 0;
      const response = await send(browser, '/boom');
      expect(response.status).toBe(500);
      expect(errors.map((e) => e.message)).toEqual(['boom']);
      expect(calls.filter((call) => call !== 'get')).toEqual([]);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await (await send(browser, '/')).json()).toMatchObject({ userId: 'ada' });
    });
  });
}

describe('csrf() on Durable Objects', () => {
  it('issues a token, accepts it, rotates it at login', async () => {
    type AppEnv = SessionEnv<{ userId?: string }, { bindings: Bindings }>;
    const app = new Hono<AppEnv>();
    app.onError((error, c) => c.text(error.message, 'status' in error && error.status === 403 ? 403 : 500));
    app.use(session<AppEnv>({ secrets: SECRET, store: (c) => new DurableObjectStore(c.env.SESSIONS_DO) }));
    app.use(csrf());
    app.get('/form', async (c) => c.text(await csrfToken(c)));
    app.post('/login', async (c) => {
      await c.var.session.regenerate();
      c.var.session.set('userId', 'ada');
      return c.text('in');
    });
    const browser = new CookieJar();
    const send = async (path: string, init: RequestInit = {}) => {
      const response = await app.request(browser.request(path, init), undefined, env);
      browser.absorb(response);
      return response;
    };
    const post = (token: string) => ({ method: 'POST', headers: { 'x-csrf-token': token } });
    const before = await (await send('/form')).text();
    expect((await send('/login', post('wrong'))).status).toBe(403);
    expect((await send('/login', post(before))).status).toBe(200);
    expect((await send('/login', post(before))).status).toBe(403);
    const after = await (await send('/form')).text();
    expect(after).not.toBe(before);
    expect((await send('/login', post(after))).status).toBe(200);
  });
});
