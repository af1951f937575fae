/**
 * The demo Worker in a real browser: headless Chromium (from
 * @sparticuz/chromium, driven by playwright-core) against `npm start`'s
 * `wrangler dev` on a loopback port. Checks what the cookie jar really holds.
 */
import chromium from '@sparticuz/chromium';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../run.ts';
import { startServer, type RunningServer } from '../runtimes/server.ts';

// Flags that would weaken what the test checks, or reach for the network.
const DROPPED = new Set(['--disable-web-security', '--allow-running-insecure-content']);
const EXTRA = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

describe('the demo Worker in Chromium', () => {
  let worker: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const state = mkdtempSync(join(tmpdir(), 'tessera-browser-'));

  beforeAll(async () => {
    const port = await freePort();
    // --ip given explicitly: start.mjs then leaves its own default out (wrangler refuses --ip twice).
    worker = await startServer(
      'node',
      ['examples/worker/start.mjs', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state],
      {},
      90_000,
    );
    base = worker.url;
    browser = await playwright.launch({
      executablePath: await chromium.executablePath(),
      args: [...chromium.args.filter((arg) => !DROPPED.has(arg)), ...EXTRA],
      headless: true,
    });
    context = await browser.newContext();
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  const sessionCookie = async () =>
    (await context.cookies(base)).find((cookie) => cookie.name === '__Host-sid');

  async function logIn(name: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.click('text=Log in');
    await page.fill('input[name="username"]', name);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
  }

  it('logs in through the form and shows who is logged in', async () => {
    await page.goto(`${base}/`);
    expect(await page.textContent('h1')).toBe('You are not logged in');
    await logIn('ada');
    expect(await page.textContent('h1')).toBe('Logged in as ada');
    expect(await page.textContent('.notice')).toBe('Welcome, ada');
  }, 60_000);

  it('keeps the session cookie __Host-prefixed, HttpOnly, Secure, SameSite=Lax, Path=/, host-only', async () => {
    const cookie = await sessionCookie();
    expect(cookie).toBeDefined();
    expect(cookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      domain: '127.0.0.1',
    });
    expect(cookie!.expires).toBe(-1); // a browser-session cookie: no Max-Age
    expect(await page.evaluate<string>('document.cookie')).not.toContain('__Host-sid');
  });

  it('applies the theme and keeps it after a reload', async () => {
    await page.goto(`${base}/prefs?theme=dark`);
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.reload();
    expect(await page.textContent('#theme')).toBe('dark');
  });

  it('a visit to /logout only asks; the button logs out and the session cookie is gone', async () => {
    await page.goto(`${base}/logout`);
    expect(await page.textContent('h1')).toBe('Log out ada?');
    await page.goto(`${base}/`);
    expect(await page.textContent('h1')).toBe('Logged in as ada');
    await page.click('text=Log out');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('h1')).toBe('You are not logged in');
    expect(await sessionCookie()).toBeUndefined();
  });

  it('20 adds to the cart sent at once from the page all land (npm start, Durable Object store)', async () => {
    await page.goto(`${base}/cart`);
    const token = await page.getAttribute('input[name="_csrf"]', 'value');
    const statuses = await page.evaluate(async (csrf) => {
      const add = (i: number) =>
        fetch('/cart/add', {
          method: 'POST',
          body: new URLSearchParams({ item: `parallel-${i}`, _csrf: csrf! }),
          redirect: 'manual',
        });
      return (await Promise.all(Array.from({ length: 20 }, (_, i) => add(i)))).map(
        (r) => (r.type as string) === 'opaqueredirect' || r.ok,
      );
    }, token);
    expect(statuses).toEqual(Array(20).fill(true));
    await page.goto(`${base}/cart`);
    const items = await page.$$eval('li', (nodes) => nodes.map((node) => node.textContent));
    for (let i = 0; i < 20; i++) expect(items).toContain(`parallel-${i}`);
  }, 60_000);

  it('a cookie edited in the jar means not logged in', async () => {
    await logIn('grace');
    expect(await page.textContent('h1')).toBe('Logged in as grace');
    const cookie = (await sessionCookie())!;
    const value = cookie.value;
    const edited = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
    await context.addCookies([{ ...cookie, value: edited }]);
    await page.reload();
    expect(await page.textContent('h1')).toBe('You are not logged in');
  }, 60_000);
});
