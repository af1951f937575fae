/**
 * Requests to the test Worker (test/workers/main.ts) as a browser would send
 * them, for workerd tests that go through the whole engine with a real store.
 */
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { CookieJar } from '../session/helpers.ts';

/** The test Worker's stores, picked with `?store=`. */
export type WorkerStore = 'memory' | 'kv' | 'do' | 'd1';

export const fetchWorker = (request: Request): Promise<Response> => exports.default.fetch(request);

/** Sends `path` with the jar's cookies and keeps the cookies the response sets. */
export async function send(jar: CookieJar, path: string): Promise<Response> {
  const response = await fetchWorker(jar.request(path));
  jar.absorb(response);
  return response;
}

/** What the Worker's session holds for this browser. */
export async function read(
  jar: CookieJar,
  store: WorkerStore,
): Promise<{ userId: string | null; n: number }> {
  return (await send(jar, `/?store=${store}`)).json();
}

/** Log in, read, log out; a copy of the cookie taken before logout no longer works. */
export async function logoutIsImmediate(jar: CookieJar, store: WorkerStore, user: string): Promise<void> {
  await send(jar, `/login?store=${store}&user=${user}`);
  expect(await read(jar, store)).toMatchObject({ userId: user });
  const stolen = jar.clone();
  await send(jar, `/logout?store=${store}`);
  expect(await read(stolen, store)).toMatchObject({ userId: null });
}
