/**
 * The DBSC exchanges in whatever runtime runs this file (Bun, Deno; Node and
 * workerd run the vitest suites): a simulated DBSC browser registers an
 * ES256 and an RS256 key through handle(), refreshes after the bound cookie
 * expired, and a stolen cookie jar is refused. Prints "dbsc ok" or throws.
 */
import { createSessionManager, deviceBoundSessions, MemoryStore } from '../../src/index.ts';
import { DbscBrowser, replay } from '../session/dbsc-browser.ts';

let time = Date.UTC(2030, 0, 1);
const now = () => time;
const manager = createSessionManager<{ userId?: string }>({
  secrets: 'dbsc-runtime-check-secret-0123456789-abcdef',
  store: new MemoryStore({ now }),
  now,
  deviceBoundSessions: deviceBoundSessions(),
});
const app = manager.handle(async (request, _env, _ctx, session) => {
  if (new URL(request.url).pathname === '/login') {
    await session.regenerate();
    session.set('userId', 'ada');
    return new Response('welcome');
  }
  return new Response(String((await session.get('userId')) ?? 'nobody'));
});

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`DBSC check failed: ${what}`);
}

for (const alg of ['ES256', 'RS256'] as const) {
  const browser = new DbscBrowser(app, now, { alg });
  await browser.fetch('/login', { method: 'POST' });
  check(browser.sessions.size === 1, `${alg}: registered`);
  const stolen = browser.steal();
  time += 601_000;
  check((await (await browser.fetch('/')).text()) === 'ada', `${alg}: refreshed`);
  check(browser.log.includes('POST /dbsc/refresh 200'), `${alg}: refresh answered 200`);
  check((await (await replay(app, stolen)).text()) === 'nobody', `${alg}: stolen jar refused`);
}
console.log('dbsc ok');
