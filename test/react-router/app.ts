/**
 * A React Router app run by React Router's own request handler
 * (`createRequestHandler`), with resource routes that use the storage the
 * way the React Router docs do: `getSession(request.headers.get('Cookie'))`
 * in loaders and actions, `commitSession`/`destroySession` into Set-Cookie.
 * The storage comes from the load context's env, as on Workers.
 */
import { createRequestHandler, redirect, type ServerBuild, type SessionStorage } from 'react-router';
import { expect } from 'vitest';

type Data = { userId?: string };
type Flash = { notice?: string };

/** What the Workers entry passes as load context: `{ cloudflare: { env } }`. */
export type LoadContext<Env> = { cloudflare: { env: Env } };

type Args = { request: Request; context: unknown };

export function buildApp<Env>(
  sessionsFor: (env: Env) => SessionStorage<Data, Flash>,
): (request: Request, env: Env) => Promise<Response> {
  const sessions = (context: unknown) => sessionsFor((context as LoadContext<Env>).cloudflare.env);

  async function login({ request, context }: Args) {
    const { getSession, commitSession } = sessions(context);
    const session = await getSession(request.headers.get('Cookie'));
    const form = await request.formData();
    session.set('userId', String(form.get('user')));
    session.flash('notice', 'Welcome back');
    return redirect('/me', { headers: { 'Set-Cookie': await commitSession(session) } });
  }

  async function me({ request, context }: Args) {
    const { getSession, commitSession } = sessions(context);
    const session = await getSession(request.headers.get('Cookie'));
    const body = { userId: session.get('userId') ?? null, notice: session.get('notice') ?? null };
    // Committing persists the flash read.
    return Response.json(body, { headers: { 'Set-Cookie': await commitSession(session) } });
  }

  async function logout({ request, context }: Args) {
    const { getSession, destroySession } = sessions(context);
    const session = await getSession(request.headers.get('Cookie'));
    return redirect('/me', { headers: { 'Set-Cookie': await destroySession(session) } });
  }

  const route = (id: string, module: object) => ({ id, parentId: 'root', path: id, module });
  const build = {
    entry: { module: { default: () => new Response('no documents here', { status: 404 }) } },
    routes: {
      root: { id: 'root', path: '', module: {} },
      login: route('login', { action: login }),
      me: route('me', { loader: me }),
      logout: route('logout', { action: logout }),
    },
    assets: { entry: { imports: [], module: '' }, routes: {}, url: '', version: '1' },
    publicPath: '/',
    assetsBuildDirectory: '',
    future: { v8_middleware: false, v8_passThroughRequests: false, v8_trailingSlashAwareDataRequests: false },
    ssr: true,
    isSpaMode: false,
    prerender: [],
    routeDiscovery: { mode: 'lazy', manifestPath: '/__manifest' },
  } as unknown as ServerBuild;
  const handler = createRequestHandler(build, 'production');
  return (request, env) => handler(request, { cloudflare: { env } } as never);
}

/**
 * Log in (form post, redirect with the cookie), read the flash once, tamper
 * with the cookie, log out, replay the copy taken before logout.
 */
export async function appScenario<Env>(
  app: (request: Request, env: Env) => Promise<Response>,
  env: Env,
): Promise<void> {
  let cookie = '';
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookie !== '') headers.set('Cookie', cookie);
    const response = await app(new Request(`https://app.example${path}`, { ...init, headers }), env);
    const setCookie = response.headers.get('Set-Cookie');
    if (setCookie !== null) cookie = /Max-Age=0/.test(setCookie) ? '' : setCookie.split(';')[0]!;
    return response;
  };
  const me = async () => (await send('/me')).json();

  const user = `ada-${crypto.randomUUID()}`;
  const login = await send('/login', { method: 'POST', body: new URLSearchParams({ user }) });
  expect(login.status).toEqual(302);
  expect(login.headers.get('Set-Cookie')).toMatch(
    /^__Host-sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
  );
  expect(await me()).toEqual({ userId: user, notice: 'Welcome back' });
  expect(await me()).toEqual({ userId: user, notice: null });

  const stolen = cookie;
  cookie = `${stolen.slice(0, -3)}AAA`;
  expect(await me()).toEqual({ userId: null, notice: null });
  cookie = stolen;
  expect(await me()).toEqual({ userId: user, notice: null });

  const logout = await send('/logout', { method: 'POST' });
  expect(logout.headers.get('Set-Cookie')).toMatch(/^__Host-sid=; Max-Age=0;/);
  cookie = stolen;
  expect(await me()).toEqual({ userId: null, notice: null });
}
