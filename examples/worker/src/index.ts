/**
 * The classic "sessions and cookies" demo as a Cloudflare Worker: Hono plus
 * Tessera, sessions in Durable Objects (or Workers KV with
 * SESSION_STORE = "kv"), a signed "remember my theme" cookie behind a consent
 * banner, a marketing test cookie that Global Privacy Control keeps off, a
 * cart kept in the session, and session-bound CSRF tokens on every form.
 * (In your app, import from 'tesserajs/…' instead of '../../../src/…'.)
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { csrf as originCheck } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import {
  CONSENT_PURPOSES,
  cookiePolicyTable,
  deviceBoundSessions,
  getCookie,
  globalPrivacyControl,
  readCache,
} from '../../../src/index.ts';
import {
  cookieConsent,
  csrf,
  csrfToken,
  listSessions,
  requireFresh,
  revokeOtherSessions,
  revokeSession,
  session,
  type SessionEnv,
} from '../../../src/hono/index.ts';
import { DurableObjectStore, type SessionDurableObject } from '../../../src/stores/durable-object.ts';
import { KVStore } from '../../../src/stores/kv/index.ts';
import { browserOf } from './browser.ts';
import { CAMPAIGN, campaignCookie, demoCookies } from './cookies.ts';
import {
  cartPage,
  confirmLogout,
  consentPage,
  devicesPage,
  home,
  layout,
  loginForm,
  problemPage,
  setupProblemPage,
  type Look,
} from './pages.ts';

export { SessionDurableObject } from '../../../src/stores/durable-object.ts';

export interface Bindings {
  SESSIONS: DurableObjectNamespace<SessionDurableObject>;
  SESSIONS_KV: KVNamespace;
  /** "durable-object" (default) or "kv". */
  SESSION_STORE?: string;
  /** Set with `wrangler secret put SESSION_SECRET`, or in .dev.vars locally. */
  SESSION_SECRET?: string;
  /** Seconds of inactivity before a session that is not remembered ends (default 1800). */
  SESSION_IDLE_TIMEOUT?: string;
  /**
   * Seconds the read cache's copy of a session is used (default 0: off). With it, a copied cookie
   * pair keeps reading for up to that long after a logout on the Durable Object store.
   */
  SESSION_CACHE_MAX_AGE?: string;
}

type Data = { user?: string; cart?: string[] };
type Flash = { notice?: string };
type AppEnv = SessionEnv<Data, { flash: Flash; bindings: Bindings }>;

const DEV_SECRET = 'development-only-secret-do-not-deploy-0123456789';
/** The value in .dev.vars.example: public, so refused like no secret at all. */
const PLACEHOLDER_SECRET = 'replace-me-with-at-least-32-random-bytes-base64url';
const MAKE_SECRET = `node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;
const MAX_NAME = 64;
const MAX_CART = 50;
const DAY = 24 * 60 * 60;
const YEAR = 365 * DAY;
/** "Remember me": the session and its cookie last 30 days of inactivity, 90 days at most. */
const REMEMBERED = { idleTimeout: 30 * DAY, absoluteTimeout: 90 * DAY };

/** The Worker's configuration is wrong: answered with a page that says what to fix. */
class SetupError extends Error {}

let warned = false;
/** The secret, or — only for local requests — a development one, said out loud once. */
function secretFor(c: Context<AppEnv>): string {
  if (c.env.SESSION_SECRET === PLACEHOLDER_SECRET) {
    throw new SetupError(
      `SESSION_SECRET is still the placeholder from .dev.vars.example, which anyone can read. Make a secret with ${MAKE_SECRET} ` +
        'and put it in .dev.vars (local) or set it with `npx wrangler secret put SESSION_SECRET`.',
    );
  }
  if (c.env.SESSION_SECRET) return c.env.SESSION_SECRET;
  if (!/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(c.req.url)) {
    throw new SetupError(
      `SESSION_SECRET is not set. Make one with ${MAKE_SECRET} and set it with \`npx wrangler secret put SESSION_SECRET\`.`,
    );
  }
  if (!warned)
    console.warn(
      'SESSION_SECRET is not set: using a development-only secret (see .dev.vars.example to set your own)',
    );
  warned = true;
  return DEV_SECRET;
}

/** The theme cookie and the consent configuration, for this request's secret. */
const cookiesOf = (c: Context<AppEnv>) => demoCookies(secretFor(c));

/** What every page shows: the theme, and the consent banner until the visitor has chosen. */
async function lookOf(c: Context<AppEnv>): Promise<Look> {
  const { theme, consent } = cookiesOf(c);
  return {
    theme: (await theme.get(c.req.raw)) === 'dark' ? 'dark' : 'light',
    banner: (await consent.read(c.req.raw)) === null,
    gpc: globalPrivacyControl(c.req.raw),
  };
}

const app = new Hono<AppEnv>();

// First, so it sees every Set-Cookie of every response: cookies whose purpose
// the visitor has not granted, or that Sec-GPC: 1 withdraws, never leave.
app.use(cookieConsent<AppEnv>((c) => cookiesOf(c).consent));
// Origin / Sec-Fetch-Site check for form posts (hono/csrf) plus tokens bound
// to the session (Tessera's csrf) for every unsafe request.
app.use(originCheck());
// Browsers get the session in a cookie; API clients (/api/…) in an
// `Authorization: Bearer` header from a manager that never sets cookies —
// so a cross-site form cannot log a browser in through the API. Both use the
// same store and secrets. One pair of managers per idle timeout (the binding
// is fixed per deployment; tests set a short one).
const middlewares = new Map<string, MiddlewareHandler<AppEnv>>();
app.use((c, next) => {
  const idleTimeout = Number(c.env.SESSION_IDLE_TIMEOUT) || 30 * 60;
  const cacheMaxAge = Number(c.env.SESSION_CACHE_MAX_AGE ?? 0);
  const forApi = c.req.path.startsWith('/api/');
  const id = `${idleTimeout}:${cacheMaxAge}:${forApi}`;
  let middleware = middlewares.get(id);
  if (middleware === undefined) {
    middleware = session<AppEnv>({
      secrets: (c) => secretFor(c),
      store: (c) =>
        c.env.SESSION_STORE === 'kv'
          ? new KVStore(c.env.SESSIONS_KV)
          : new DurableObjectStore(c.env.SESSIONS),
      idleTimeout,
      absoluteTimeout: Math.max(8 * 60 * 60, idleTimeout * 2),
      // For "your devices": what browser a session was started from. Never the IP address.
      metadata: (request) => ({ browser: browserOf(request.headers.get('user-agent') ?? undefined) }),
      userField: 'user', // the data field that names the user: sessions are listed and revoked by it
      maxSessionsPerUser: 10,
      // Id rotation, short for the demo: the cookie's value is replaced once a minute (watch the
      // devices page); a copied cookie used more than 10 s after its value was replaced ends the
      // whole session, on both sides. API tokens in a header do not rotate.
      rotation: { every: 60, grace: 10 },
      hooks: {
        reuseDetected: ({ userId, handle }) =>
          console.warn(`copied session cookie caught: user ${userId ?? '?'}, session ${handle.slice(0, 8)}…`),
      },
      // Opt-in (SESSION_CACHE_MAX_AGE): requests read their session from a short-lived sealed copy
      // in a cookie instead of the store. Off by default so that a logout is final at once; on KV
      // the copy asks the store whether the session ended (checkRevocation), on the Durable
      // Object store a copied cookie pair keeps reading for up to maxAge after a logout.
      ...(cacheMaxAge > 0
        ? { readCache: readCache({ maxAge: cacheMaxAge, checkRevocation: c.env.SESSION_STORE === 'kv' }) }
        : {}),
      // Browsers that offer Device Bound Session Credentials (W3C DBSC, Chrome) bind the session
      // to a hardware key at login: a copied cookie jar then stops working within 10 minutes.
      // Other browsers see no change. The devices page shows which sessions are bound.
      ...(forApi
        ? { sessionToken: { header: 'authorization', cookie: false } }
        : { deviceBoundSessions: deviceBoundSessions({ cookie: { maxAge: 600 } }) }),
    });
    middlewares.set(id, middleware);
  }
  return middleware(c, next);
});
// API sessions travel in a header, which no browser sends cross-site: csrf() lets them through.
app.use(csrf());

app.onError((error, c) => {
  if (error instanceof HTTPException) return error.getResponse(); // csrf()'s 403
  if (error instanceof SetupError) {
    console.error(error.message);
    return c.html(setupProblemPage(error.message), 500);
  }
  console.error(error);
  return c.html(setupProblemPage('Something went wrong on the server; its log has the details.'), 500);
});

app.get('/', async (c) => {
  const notice = await c.var.session.get('notice');
  const user = await c.var.session.get('user');
  // The marketing test cookie, set regardless: cookieConsent() drops it without consent or with GPC.
  if (getCookie(c.req.raw, CAMPAIGN.name) === undefined)
    c.header('set-cookie', campaignCookie('spring-demo'), { append: true });
  // Only a logged-in visitor gets the logout form, and so a token: anonymous visits write no session.
  return c.html(
    layout(await lookOf(c), 'Home', home(user, user ? await csrfToken(c) : ''), notice ? [notice] : []),
  );
});

/** Where to go after login: a path on this site only (never `//evil.example`, an open redirect). */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

app.get('/login', async (c) =>
  c.html(
    layout(
      await lookOf(c),
      'Log in',
      loginForm(await csrfToken(c), undefined, localPath(c.req.query('next'))),
    ),
  ),
);

app.post('/login', async (c) => {
  const body = await c.req.parseBody();
  const field = body.username;
  const name = typeof field === 'string' ? field.trim() : '';
  const problem =
    name === ''
      ? 'Please enter a username.'
      : name.length > MAX_NAME
        ? `A username has at most ${MAX_NAME} characters.`
        : undefined;
  if (problem) return c.html(problemPage(await lookOf(c), problem), 400);
  await c.var.session.regenerate(); // a new session id at login: no fixation
  // "Remember me": a cookie that survives a browser restart, for as long as the server keeps the session.
  if (body.remember === 'on') c.var.session.persist(REMEMBERED);
  c.var.session.set('user', name);
  c.var.session.flash('notice', `Welcome, ${name}`);
  return c.redirect(localPath(body.next), 302);
});

// GET only asks: a cross-site link or image cannot log anyone out.
app.get('/logout', async (c) => {
  const user = await c.var.session.get('user');
  if (!user) return c.redirect('/', 302);
  return c.html(layout(await lookOf(c), 'Log out', confirmLogout(user, await csrfToken(c))));
});

app.post('/logout', async (c) => {
  await c.var.session.destroy();
  return c.redirect('/', 302);
});

// Your devices: every session of this user, with "sign out" for one or for all others.
// Sensitive, so the list needs a recent login (OWASP re-authentication): older ones log in again.
app.get('/devices', requireFresh(8 * 60 * 60, { redirect: '/login' }), async (c) => {
  const user = await c.var.session.get('user');
  if (!user) return c.redirect('/login', 302);
  const notice = await c.var.session.get('notice');
  const page = devicesPage(await listSessions(c), await csrfToken(c));
  return c.html(layout(await lookOf(c), 'Your devices', page, notice ? [notice] : []));
});

app.post('/devices/revoke', async (c) => {
  const handle = (await c.req.parseBody()).handle;
  if (typeof handle === 'string' && (await revokeSession(c, handle)))
    c.var.session.flash('notice', 'Signed out that device.');
  return c.redirect('/devices', 302);
});

app.post('/devices/revoke-others', async (c) => {
  const count = await revokeOtherSessions(c);
  c.var.session.flash('notice', `Signed out ${count} other ${count === 1 ? 'device' : 'devices'}.`);
  return c.redirect('/devices', 302);
});

app.get('/prefs', async (c) => {
  const theme = c.req.query('theme');
  if (theme !== 'dark' && theme !== 'light')
    return c.html(problemPage(await lookOf(c), 'The theme must be "dark" or "light".'), 400);
  const { theme: cookie, consent } = cookiesOf(c);
  // Set whatever the consent: cookieConsent() drops it unless preferences are allowed.
  c.header('set-cookie', await cookie.serialize(theme), { append: true });
  const remembered = (await consent.allowed(c.req.raw)).has('preferences');
  return c.redirect(remembered ? '/' : '/consent?for=theme', 302);
});

// The visitor's cookie choice: the policy table, and "accept all" or "decline" (a form, with the CSRF token).
app.get('/consent', async (c) => {
  const { consent } = cookiesOf(c);
  const look = await lookOf(c);
  const page = consentPage({
    purposes: (await consent.read(c.req.raw))?.purposes ?? null,
    gpc: look.gpc,
    table: cookiePolicyTable(consent),
    csrf: await csrfToken(c),
    forTheme: c.req.query('for') === 'theme',
  });
  return c.html(layout({ ...look, banner: false }, 'Cookies', page));
});

app.post('/consent', async (c) => {
  const choice = (await c.req.parseBody()).choice;
  if (choice !== 'all' && choice !== 'none')
    return c.html(problemPage(await lookOf(c), 'The choice must be "all" or "none".'), 400);
  const response = c.redirect('/', 302);
  // Declining deletes the cookies of every purpose it withdraws.
  await cookiesOf(c).consent.set(response, choice === 'all' ? CONSENT_PURPOSES : []);
  return response;
});

app.get('/cart', async (c) => {
  const items = (await c.var.session.get('cart')) ?? [];
  return c.html(layout(await lookOf(c), 'Cart', cartPage(items, await csrfToken(c))));
});

app.post('/cart/add', async (c) => {
  const field = (await c.req.parseBody()).item;
  const item = typeof field === 'string' ? field.trim() : '';
  if (item === '' || item.length > MAX_NAME)
    return c.html(problemPage(await lookOf(c), `An item has 1 to ${MAX_NAME} characters.`), 400);
  const cart = (await c.var.session.get('cart')) ?? [];
  // A soft cap: two requests at once may both pass it; the push itself never loses an item.
  if (cart.length >= MAX_CART)
    return c.html(problemPage(await lookOf(c), `The cart holds at most ${MAX_CART} items.`), 400);
  // push, not set([...cart, item]): concurrent adds (several tabs, a double click) all land.
  c.var.session.push('cart', item);
  return c.redirect('/cart', 302);
});

// The same login for API clients: the token comes back in the body, no cookie is set.
app.post('/api/login', async (c) => {
  const body: unknown = await c.req.json().catch(() => null);
  const name =
    typeof body === 'object' && body !== null && 'username' in body ? String(body.username).trim() : '';
  if (name === '' || name.length > MAX_NAME)
    return c.json({ error: `A username has 1 to ${MAX_NAME} characters.` }, 400);
  await c.var.session.regenerate();
  c.var.session.set('user', name);
  return c.json({ token: await c.var.session.token() });
});

app.get('/api/me', async (c) => c.json({ user: (await c.var.session.get('user')) ?? null }));

export default app;
