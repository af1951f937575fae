/**
 * cookieConsent(): the consent check as Hono middleware, with session() and
 * the response shapes a handler produces (hono/cookie, c.header, a new
 * Response, a redirect, an error page). Runs on Node and inside workerd.
 */
import { Hono } from 'hono';
import { setCookie as honoSetCookie } from 'hono/cookie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cookieReport, createConsent, createCookie, MemoryStore, setCookie } from '../../src/index.ts';
import { cookieConsent, session, type SessionEnv } from '../../src/hono/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';

const BASE = 'https://app.example';
const theme = createCookie<string>('h_theme', {
  secrets: SECRET,
  purpose: 'preferences',
  path: '/',
  maxAge: 3600,
});
const consent = createConsent({
  secrets: SECRET,
  policyVersion: '1',
  cookies: [theme, { name: 'h_ad', purpose: 'marketing', path: '/' }, { name: 'h_ga', purpose: 'analytics' }],
  onBlocked: 'silent',
});

type AppEnv = SessionEnv<{ n?: number }>;

function buildApp(order: 'consent-first' | 'session-first' = 'consent-first') {
  const app = new Hono<AppEnv>();
  app.onError((error, c) => c.text(`error: ${error.message}`, 500));
  const sessions = session<AppEnv>({ secrets: [SECRET], store: new MemoryStore() });
  if (order === 'consent-first') app.use(cookieConsent(consent), sessions);
  else app.use(sessions, cookieConsent(consent));

  app.get('/', async (c) => {
    c.var.session.increment('n');
    c.header('set-cookie', await theme.serialize('dark'), { append: true });
    honoSetCookie(c, 'h_ad', 'spring', { path: '/' });
    honoSetCookie(c, 'h_plain', 'undeclared');
    return c.text('home');
  });
  app.get('/new-response', () => {
    const response = new Response('own');
    setCookie(response, 'h_ga', 'GA1', {});
    return response;
  });
  app.post('/accept', async (c) => {
    const response = c.redirect('/', 303);
    await consent.set(response, ['preferences', 'analytics', 'marketing']);
    response.headers.append('set-cookie', await theme.serialize('light')); // granted in this very response
    return response;
  });
  app.post('/decline', async (c) => {
    const response = c.redirect('/', 303);
    await consent.set(response, []);
    return response;
  });
  app.get('/throws', async (c) => {
    honoSetCookie(c, 'h_ga', 'before the error');
    throw new Error('boom');
  });
  return app;
}

/** A browser: a cookie jar, optionally with Global Privacy Control on. */
function browser(app: Hono<AppEnv>, headers: Record<string, string> = {}) {
  const jar = new CookieJar();
  return async (path: string, method = 'GET') => {
    const request = new Request(new URL(path, BASE), { method, headers: { ...headers }, redirect: 'manual' });
    if (jar.cookies.size > 0) request.headers.set('cookie', jar.header());
    const response = await app.request(request);
    jar.absorb(response);
    return { response, names: response.headers.getSetCookie().map((line) => line.split('=')[0]), jar };
  };
}

afterEach(() => vi.restoreAllMocks());

describe('cookieConsent', () => {
  for (const order of ['consent-first', 'session-first'] as const) {
    it(`drops cookies without consent and keeps the session's (${order})`, async () => {
      const visit = browser(buildApp(order));
      const { response, names } = await visit('/');
      expect(await response.text()).toBe('home');
      expect(names.sort()).toEqual(['__Host-sid', 'h_plain']);
      expect(
        cookieReport(response)
          ?.filter((d) => d.outcome === 'blocked')
          .map((d) => d.name),
      ).toEqual(['h_theme', 'h_ad']);
    });
  }

  it('a response made by the handler (new Response) is checked too', async () => {
    const { names } = await browser(buildApp())('/new-response');
    expect(names).toEqual([]);
  });

  it('after accepting, every purpose leaves, the choice made in the accepting response included', async () => {
    const visit = browser(buildApp());
    const accepted = await visit('/accept', 'POST');
    expect(accepted.response.status).toBe(303);
    expect(accepted.names).toEqual(['consent', 'h_theme']);
    const { names } = await visit('/');
    expect(names.sort()).toEqual(['__Host-sid', 'h_ad', 'h_plain', 'h_theme']);
    expect((await visit('/new-response')).names).toEqual(['h_ga']);
  });

  it('with Sec-GPC: 1 the marketing cookie never leaves, even after accepting everything', async () => {
    const visit = browser(buildApp(), { 'Sec-GPC': '1' });
    await visit('/accept', 'POST');
    const { names, jar } = await visit('/');
    expect(names.sort()).toEqual(['__Host-sid', 'h_plain', 'h_theme']);
    expect(jar.cookies.has('h_ad')).toBe(false);
  });

  it('declining after accepting deletes the cookies of the withdrawn purposes', async () => {
    const visit = browser(buildApp());
    await visit('/accept', 'POST');
    await visit('/');
    const { jar } = await visit('/decline', 'POST');
    expect([...jar.cookies.keys()].sort()).toEqual(['__Host-sid', 'consent', 'h_plain']);
    expect((await visit('/')).names.sort()).toEqual(['h_plain']); // the session exists: no new cookie
  });

  it('an error page carries no cookie the handler set without consent', async () => {
    const { response, names } = await browser(buildApp())('/throws');
    expect(response.status).toBe(500);
    expect(names).not.toContain('h_ga');
  });

  it('takes a function of the context; a misconfiguration reaches app.onError once', async () => {
    type Env = { Bindings: { SECRET?: string } };
    const app = new Hono<Env>();
    const errors: string[] = [];
    app.onError((error, c) => {
      errors.push(error.message);
      return c.text('setup', 500);
    });
    app.use(
      cookieConsent<Env>((c) => {
        if (!c.env.SECRET) throw new Error('SECRET is not set');
        return consent;
      }),
    );
    app.get('/', (c) => {
      honoSetCookie(c, 'h_ga', '1');
      return c.text('ok');
    });
    expect((await app.request('/', {}, { SECRET: 'x' })).headers.getSetCookie()).toEqual([]);
    expect((await app.request('/', {}, {})).status).toBe(500);
    expect(errors).toEqual(['SECRET is not set']);
    expect(() => cookieConsent({} as typeof consent)).toThrow(
      /cookieConsent: pass the result of createConsent/,
    );
  });
});
