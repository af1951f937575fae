/**
 * The demo every runtime example serves: a plain fetch handler wrapped by
 * `sessions.handle` — log in (POST /login), see who you are, log out (POST /logout) —
 * and by `consent.handle`, which keeps the home page's marketing test cookie
 * off responses until the visitor accepts (POST /consent), and with Sec-GPC: 1.
 * (In your app, import from 'tesserajs' instead of '../src/index.ts'.)
 */
import {
  CONSENT_PURPOSES,
  createConsent,
  createSessionManager,
  getCookie,
  setCookie,
  type SessionStore,
} from '../src/index.ts';

/** Secrets from the environment, or a development secret with a warning. */
export function demoSecret(fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  console.warn('SESSION_SECRET is not set: using a development-only secret');
  return 'development-only-secret-change-me-0123456789';
}

const DAY = 24 * 60 * 60;

/** The idle timeout from `SESSION_IDLE_TIMEOUT` (seconds), if set. */
export function idleTimeoutFrom(value: string | undefined): number | undefined {
  const seconds = Number(value);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** The demo's fetch handler over the given store. */
export function demoApp(
  secret: string,
  store: SessionStore,
  options: { idleTimeout?: number | undefined } = {},
): (request: Request) => Promise<Response> {
  const common = {
    secrets: [secret],
    store,
    ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
  };
  const sessions = createSessionManager<{ user?: string }>(common);
  // API clients (/api/…) carry the session in `Authorization: Bearer`; this
  // manager sets no cookies, so a cross-site form cannot log a browser in through it.
  const api = createSessionManager<{ user?: string }>({
    ...common,
    sessionToken: { header: 'authorization', cookie: false },
  });
  const apiHandler = api.handle(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    if (url.pathname === '/api/login' && request.method === 'POST') {
      const body: unknown = await request.json().catch(() => null);
      const user =
        typeof body === 'object' && body !== null && 'username' in body ? String(body.username).trim() : '';
      if (user === '' || user.length > 64)
        return Response.json({ error: 'username must be 1 to 64 characters' }, { status: 400 });
      await session.regenerate();
      session.set('user', user);
      return Response.json({ token: await session.token() });
    }
    if (url.pathname === '/api/me') return Response.json({ user: (await session.get('user')) ?? null });
    return Response.json({ error: 'not found' }, { status: 404 });
  });
  const consent = createConsent({
    secrets: [secret],
    policyVersion: '1',
    cookies: [{ name: 'campaign', purpose: 'marketing', path: '/', description: 'A marketing test cookie.' }],
  });
  const app = sessions.handle(async (request, _env, _ctx, session) => {
    const url = new URL(request.url);
    if (url.pathname === '/consent') {
      // A form post from this site only: nobody else may record a choice for the visitor.
      if (request.method !== 'POST' || request.headers.get('origin') !== url.origin)
        return new Response('Choose with a POST from this site', { status: 403 });
      const choice = (await request.formData()).get('choice');
      const response = new Response(null, { status: 302, headers: { location: '/' } });
      await consent.set(response, choice === 'all' ? CONSENT_PURPOSES : []);
      return response;
    }
    if (url.pathname === '/login' && request.method === 'POST') {
      const form = await request.formData();
      const user = String(form.get('username') ?? '').trim();
      if (user === '' || user.length > 64)
        return new Response('username must be 1 to 64 characters', { status: 400 });
      await session.regenerate(); // a new id at login (no session fixation)
      // "Remember me": the cookie survives a browser restart; the server keeps the session 30 days idle, 90 at most.
      if (form.get('remember') === 'on')
        session.persist({ idleTimeout: 30 * DAY, absoluteTimeout: 90 * DAY });
      session.set('user', user);
      return Response.redirect(new URL('/', url).href, 302);
    }
    if (url.pathname === '/logout') {
      // A POST only: a cross-site link cannot log anyone out (SameSite=Lax keeps the cookie off cross-site POSTs).
      if (request.method !== 'POST')
        return new Response('Log out with POST /logout', { status: 405, headers: { allow: 'POST' } });
      await session.destroy();
      return Response.redirect(new URL('/', url).href, 302);
    }
    const user = await session.get('user');
    const response = new Response(user ? `Logged in as ${user}` : 'You are not logged in', {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    // Set regardless: consent.handle drops it without consent, and with Sec-GPC: 1.
    if (getCookie(request, 'campaign') === undefined)
      setCookie(response, 'campaign', 'spring-demo', { purpose: 'marketing', path: '/' });
    return response;
  });
  const handler = consent.handle(app);
  return (request) =>
    new URL(request.url).pathname.startsWith('/api/') ? apiHandler(request) : handler(request);
}
