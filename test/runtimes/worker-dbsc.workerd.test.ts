/**
 * The demo Worker with a DBSC browser: a browser that offers Device Bound
 * Session Credentials registers at login, and the devices page marks its
 * session as bound; a browser without DBSC is listed unmarked.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import app, { type Bindings } from '../../examples/worker/src/index.ts';
import { ORIGIN } from '../session/helpers.ts';
import { DbscBrowser } from '../session/dbsc-browser.ts';

const bindings: Bindings = {
  SESSIONS: env.SESSIONS_DO,
  SESSIONS_KV: env.SESSIONS_KV,
  SESSION_STORE: 'durable-object',
  SESSION_SECRET: 'worker-demo-dbsc-test-secret-0123456789-abcdef',
};

async function logIn(browser: DbscBrowser, name: string, userAgent: string): Promise<void> {
  const headers = { 'user-agent': userAgent };
  const form = await (await browser.fetch('/login', { headers })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
  const login = await browser.fetch('/login', {
    method: 'POST',
    headers: { ...headers, origin: ORIGIN },
    body: new URLSearchParams({ username: name, _csrf: csrf }),
  });
  expect(login.status).toBe(302);
}

describe('the demo Worker with Device Bound Session Credentials', () => {
  it('registers a DBSC browser at login; the devices page marks its session as bound', async () => {
    const fetch = async (request: Request) => app.fetch(request, bindings);
    const chrome = new DbscBrowser(fetch, Date.now);
    const other = new DbscBrowser(fetch, Date.now, { alg: undefined });
    const user = `dbsc-${crypto.randomUUID()}`;
    await logIn(chrome, user, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/147.0.0.0 Safari/537.36');
    await logIn(other, user, 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0');
    expect(chrome.log).toEqual(['GET /login 200', 'POST /login 302', 'POST /dbsc/register 200']);
    expect(chrome.sessions.size).toBe(1);
    expect(other.log.some((line) => line.includes('/dbsc/'))).toBe(false);

    const page = await (await chrome.fetch('/devices')).text();
    const items = [...page.matchAll(/<li data-current="(yes|no)">([\s\S]*?)<\/li>/g)];
    expect(items).toHaveLength(2);
    const mine = items.find(([, current]) => current === 'yes')![2]!;
    const theirs = items.find(([, current]) => current === 'no')![2]!;
    expect(mine).toContain("bound to this device's key");
    expect(theirs).not.toContain("bound to this device's key");
    expect(page).toContain('id="dbsc"');
  });
});
