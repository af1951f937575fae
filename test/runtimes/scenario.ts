/**
 * The conformance scenario every runtime must pass, over real HTTP or a
 * fetch function: anonymous visit → login → read → tamper → a GET to
 * /logout that must not log out → logout (POST) → replay of the old cookie;
 * then, against a server with a short idle timeout, a "remember me" login
 * and an ordinary one, and the ordinary one expiring while the remembered
 * one lives on; and cookie consent: the home page's marketing test cookie
 * leaves only after "accept all", never with Sec-GPC: 1 or a tampered consent
 * cookie, and "decline" deletes it. Web APIs only, so it also runs inside workerd.
 */
import { expect } from 'vitest';

export type Fetch = (request: Request) => Promise<Response>;

/** The session cookie pair (`name=value`) a response set, if any. */
function sessionCookie(response: Response): string | undefined {
  const line = response.headers.getSetCookie().find((l) => /^(__Host-)?sid=/.test(l));
  return line?.split(';')[0];
}

/** Changes one character in the middle of a cookie's value. */
function tamper(pair: string): string {
  const at = pair.indexOf('=') + 5;
  return pair.slice(0, at) + (pair[at] === 'A' ? 'B' : 'A') + pair.slice(at + 1);
}

/** A form page's session cookie and CSRF token, for apps that protect their forms. */
async function loginForm(
  base: string,
  fetch: Fetch,
  path = '/login',
): Promise<{ cookie?: string | undefined; token?: string | undefined }> {
  const page = await fetch(new Request(new URL(path, base)));
  expect(page.status).toBe(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  expect(token).toBeDefined();
  return { cookie: sessionCookie(page), token };
}

/**
 * Runs the scenario against `base`. With `form: true` the app's login form is
 * fetched first and its CSRF token and Origin are sent with the login, and
 * the logout form's token with the logout.
 */
export async function runScenario(
  base: string,
  fetch: Fetch = (r) => globalThis.fetch(r),
  options: { form?: boolean; idleTimeout?: number } = {},
): Promise<void> {
  const get = (path: string, cookie?: string) =>
    fetch(new Request(new URL(path, base), { headers: cookie ? { cookie } : {}, redirect: 'manual' }));
  // The page's text: tags dropped, whitespace collapsed (HTML and plain-text apps alike).
  const body = async (response: Response) =>
    (await response.text()).replace(/<[^>]*>/g, '').replace(/\s+/g, ' ');

  const anonymous = await get('/');
  expect(anonymous.status).toBe(200);
  expect(await body(anonymous)).toContain('You are not logged in');
  expect(sessionCookie(anonymous)).toBeUndefined();

  const logIn = async (fields: Record<string, string> = {}) => {
    const form = options.form ? await loginForm(base, fetch) : {};
    const response = await fetch(
      new Request(new URL('/login', base), {
        method: 'POST',
        body: new URLSearchParams({
          username: 'ada',
          ...fields,
          ...(form.token ? { _csrf: form.token } : {}),
        }),
        headers: { origin: new URL(base).origin, ...(form.cookie ? { cookie: form.cookie } : {}) },
        redirect: 'manual',
      }),
    );
    expect(response.status).toBe(302);
    return response;
  };
  const login = await logIn();
  const cookie = sessionCookie(login);
  expect(cookie).toMatch(/^(__Host-)?sid=[A-Za-z0-9_-]{43}\./);
  expect(login.headers.getSetCookie().find((l) => l.startsWith(cookie!.split('=')[0]!))).toMatch(/HttpOnly/);
  await login.arrayBuffer();

  const home = await (await get('/', cookie)).text();
  expect(home.replace(/<[^>]*>/g, '')).toContain('Logged in as ada');
  expect(await body(await get('/', tamper(cookie!)))).toContain('You are not logged in');

  // Logging out takes a POST (with the page's CSRF token where the app has forms): a GET does not.
  const getLogout = await get('/logout', cookie);
  expect(getLogout.status).not.toBe(302);
  // (A read may refresh the read cache's copy, `sid.cache`, where the app has one: the session cookie stays.)
  expect(sessionCookie(getLogout)).toBeUndefined();
  await getLogout.arrayBuffer();
  expect(await body(await get('/', cookie))).toContain('Logged in as ada');

  const token = /name="_csrf" value="([^"]+)"/.exec(home)?.[1];
  if (options.form) expect(token).toBeDefined();
  const logout = await fetch(
    new Request(new URL('/logout', base), {
      method: 'POST',
      body: new URLSearchParams(token ? { _csrf: token } : {}),
      headers: { origin: new URL(base).origin, cookie: cookie! },
      redirect: 'manual',
    }),
  );
  expect(logout.status).toBe(302);
  expect(logout.headers.getSetCookie().join('\n')).toMatch(/Max-Age=0/);
  await logout.arrayBuffer();

  expect(await body(await get('/', cookie))).toContain('You are not logged in');

  await apiToken(base, fetch);
  await consentSteps(base, fetch, options.form === true);
  if (options.idleTimeout !== undefined) await rememberAndExpire(options.idleTimeout, logIn, get, body);
}

/** An API client: logs in with JSON, gets a token, sends it as `Authorization: Bearer`; no cookie either way. */
async function apiToken(base: string, fetch: Fetch): Promise<void> {
  const login = await fetch(
    new Request(new URL('/api/login', base), {
      method: 'POST',
      body: JSON.stringify({ username: 'api-ada' }),
      headers: { 'content-type': 'application/json' },
    }),
  );
  expect(login.status).toBe(200);
  expect(login.headers.getSetCookie()).toEqual([]);
  const { token } = (await login.json()) as { token: string };
  const me = (authorization?: string) =>
    fetch(new Request(new URL('/api/me', base), { headers: authorization ? { authorization } : {} }));
  const authorized = await me(`Bearer ${token}`);
  expect(authorized.headers.getSetCookie()).toEqual([]);
  expect(await authorized.json()).toEqual({ user: 'api-ada' });
  expect(await (await me()).json()).toEqual({ user: null });
  expect(await (await me(`Bearer ${token.slice(0, -3)}AAA`)).json()).toEqual({ user: null });
}

/** The home page's marketing cookie leaves only with consent, never with GPC; declining deletes it. */
async function consentSteps(base: string, fetch: Fetch, form: boolean): Promise<void> {
  const pairs = async (response: Response) => {
    await response.arrayBuffer();
    return response.headers.getSetCookie().map((line) => line.split(';')[0]!);
  };
  const campaign = async (cookie?: string, gpc?: string) => {
    const headers: Record<string, string> = {
      ...(cookie ? { cookie } : {}),
      ...(gpc ? { 'sec-gpc': gpc } : {}),
    };
    const sent = await pairs(await fetch(new Request(new URL('/', base), { headers })));
    return sent.find((pair) => pair.startsWith('campaign='));
  };
  const choose = async (choice: 'all' | 'none') => {
    const page = form ? await loginForm(base, fetch, '/consent') : {};
    const response = await fetch(
      new Request(new URL('/consent', base), {
        method: 'POST',
        body: new URLSearchParams({ choice, ...(page.token ? { _csrf: page.token } : {}) }),
        headers: { origin: new URL(base).origin, ...(page.cookie ? { cookie: page.cookie } : {}) },
        redirect: 'manual',
      }),
    );
    expect(response.status).toBe(302);
    return pairs(response);
  };
  expect(await campaign()).toBeUndefined();
  const accepted = (await choose('all')).find((pair) => pair.startsWith('consent='))!;
  expect(await campaign(accepted)).toBe('campaign=spring-demo');
  expect(await campaign(accepted, '1')).toBeUndefined();
  expect(await campaign(tamper(accepted))).toBeUndefined();
  const declined = await choose('none');
  expect(declined).toContain('campaign='); // the deletion
  expect(await campaign(declined.find((pair) => pair.startsWith('consent='))!)).toBeUndefined();
}

/**
 * "Remember me" gives a persistent cookie (Max-Age) with its own, longer
 * lifetime on the server; an ordinary login gives a browser-session cookie
 * that the server ends after the idle timeout.
 */
async function rememberAndExpire(
  idleTimeout: number,
  logIn: (fields?: Record<string, string>) => Promise<Response>,
  get: (path: string, cookie?: string) => Promise<Response>,
  body: (response: Response) => Promise<string>,
): Promise<void> {
  const remembered = await logIn({ remember: 'on' });
  const rememberedLine = remembered.headers.getSetCookie().find((l) => /^(__Host-)?sid=/.test(l))!;
  expect(Number(/Max-Age=(\d+)/.exec(rememberedLine)?.[1])).toBeGreaterThan(idleTimeout);
  const ordinary = await logIn();
  const ordinaryLine = ordinary.headers.getSetCookie().find((l) => /^(__Host-)?sid=/.test(l))!;
  expect(ordinaryLine).not.toMatch(/Max-Age/);
  const [rememberedCookie, ordinaryCookie] = [rememberedLine.split(';')[0], ordinaryLine.split(';')[0]];
  expect(await body(await get('/', ordinaryCookie))).toContain('Logged in as ada');
  await new Promise((resolve) => setTimeout(resolve, idleTimeout * 1000 + 1200));
  expect(await body(await get('/', ordinaryCookie))).toContain('You are not logged in');
  expect(await body(await get('/', rememberedCookie))).toContain('Logged in as ada');
}
