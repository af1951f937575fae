/**
 * The Hono app the middleware tests drive through `app.request()`: login,
 * logout, a page, a route that never touches its session, and the response
 * shapes a handler can produce (other cookies, a new Response, redirects, a
 * throw, a sub-app).
 */
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { session, type SessionEnv, type SessionOptions } from '../../src/hono/index.ts';
import type { CookieJar } from '../session/helpers.ts';

export type Data = { userId?: string; n?: number };
export type Flash = { notice?: string };

/** Builds the app; `bindings` is what `app.request` passes as `c.env`. */
export function buildApp<Bindings extends object = {}>(
  options: SessionOptions<SessionEnv<Data, { flash: Flash; bindings: Bindings }>>,
  bindings?: Bindings,
) {
  type AppEnv = SessionEnv<Data, { flash: Flash; bindings: Bindings }>;
  const errors: Error[] = [];
  const app = new Hono<AppEnv>();
  app.onError((error, c) => {
    errors.push(error);
    return c.text(`error: ${error.message}`, 500);
  });
  app.use(session<AppEnv>(options));

  app.post('/login', async (c) => {
    await c.var.session.regenerate();
    c.var.session.set('userId', c.req.query('user') ?? 'anonymous');
    c.var.session.flash('notice', 'Welcome');
    return c.redirect('/');
  });
  app.post('/logout', async (c) => {
    await c.get('session').destroy();
    return c.redirect('/');
  });
  app.get('/', async (c) => {
    const s = c.var.session;
    return c.json({
      userId: (await s.get('userId')) ?? null,
      notice: (await s.get('notice')) ?? null,
      n: (await s.get('n')) ?? 0,
    });
  });
  app.get('/count', async (c) => {
    c.var.session.increment('n');
    return c.text('counted');
  });
  app.get('/static', (c) => c.text('no session here'));
  // Two cookies of the handler's own, through Hono's helper and c.header.
  app.get('/cookies', async (c) => {
    setCookie(c, 'theme', 'dark', { path: '/' });
    c.header('set-cookie', 'lang=en; Path=/', { append: true });
    c.var.session.increment('n');
    return c.text('cookies');
  });
  // A brand-new Response carrying its own Set-Cookie lines.
  app.get('/new-response', async (c) => {
    c.var.session.increment('n');
    const headers = new Headers({ 'content-type': 'text/plain' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    return new Response('fresh', { status: 201, headers });
  });
  // Response.redirect's headers are immutable: the session must still get through.
  app.get('/redirect-immutable', async (c) => {
    c.var.session.increment('n');
    return Response.redirect(new URL('/', c.req.url).href, 303);
  });
  // Like a fetch() response passed through: immutable headers that carry a Set-Cookie.
  app.get('/proxied', async (c) => {
    c.var.session.increment('n');
    return lockedResponse('proxied', ['upstream=1; Path=/']);
  });
  app.get('/boom', async (c) => {
    await c.var.session.regenerate();
    c.var.session.set('userId', 'mallory');
    throw new Error('boom');
  });

  const admin = new Hono<AppEnv>();
  admin.get('/whoami', async (c) => c.text((await c.var.session.get('userId')) ?? 'nobody'));
  admin.post('/promote', async (c) => {
    c.var.session.set('userId', 'admin');
    return c.text('promoted');
  });
  app.route('/admin', admin);

  /** Sends a request from `jar` (cookies in, Set-Cookie absorbed). */
  const send = async (jar: CookieJar, path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await app.request(jar.request(path, init), undefined, bindings);
    jar.absorb(response);
    return response;
  };
  return { app, errors, send };
}

/** A Response whose headers refuse changes, as those of a fetch() response do. */
export function lockedResponse(body: string, cookies: string[]): Response {
  const response = new Response(body, {
    headers: cookies.map((line): [string, string] => ['set-cookie', line]),
  });
  const headers = new Headers(response.headers);
  const refuse = () => {
    throw new TypeError("Can't modify immutable headers.");
  };
  Object.defineProperties(headers, {
    append: { value: refuse },
    set: { value: refuse },
    delete: { value: refuse },
  });
  Object.defineProperty(response, 'headers', { value: headers });
  return response;
}

/** The names of the cookies a response sets, in order. */
export function setCookieNames(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.slice(0, line.indexOf('=')));
}

/** Flips one character of the signed part of a cookie value. */
export function tamper(value: string): string {
  const i = value.length - 3;
  return value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
}
