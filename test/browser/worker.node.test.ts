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

// Flags that would weaken what the test checks, or reach for the network; and
// --single-process, under which a second browser context (a second "device") crashes.
const DROPPED = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);
const EXTRA = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The read cache's copy lifetime in this test: a revocation elsewhere shows within it. */
const CACHE_SECONDS = 2;
const waitForCopies = () => new Promise((resolve) => setTimeout(resolve, CACHE_SECONDS * 1000 + 500));

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
      // The read cache on (as deployed), with a 2-second copy so revocations can be watched taking effect.
      [
        'examples/worker/start.mjs',
        ...['--ip', '127.0.0.1', '--port', String(port), '--persist-to', state],
        ...['--var', `SESSION_CACHE_MAX_AGE:${CACHE_SECONDS}`],
      ],
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
    // The read cache's sealed copy rides along (HttpOnly, Secure, short-lived). The first page wrote
    // the session (its CSRF token), which drops the copy; the next read fills it from the store.
    await page.reload();
    const copy = (await context.cookies(base)).find((cookie) => cookie.name === '__Host-sid.cache');
    expect(copy).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
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

  /** Every Set-Cookie line a page receives, as the network delivers it. */
  function setCookiesOf(target: Page): { lines: () => Promise<string[]> } {
    const pending: Promise<string[]>[] = [];
    target.on('response', (response) =>
      pending.push(
        response
          .headersArray()
          .then((headers) =>
            headers.filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value),
          ),
      ),
    );
    return { lines: async () => (await Promise.all(pending)).flat() };
  }

  /** Chooses on the cookies page, from the banner's link. */
  async function chooseCookies(target: Page, choice: 'all' | 'none'): Promise<void> {
    await target.goto(`${base}/`);
    await target.click('#choose-cookies');
    await Promise.all([target.waitForURL(`${base}/`), target.click(`button[value="${choice}"]`)]);
  }

  const cookieNames = async (of: BrowserContext) => (await of.cookies(base)).map((cookie) => cookie.name);

  it('shows the consent banner; a visitor who declines never receives the theme cookie', async () => {
    const declining = await browser.newContext();
    try {
      const tab = await declining.newPage();
      const received = setCookiesOf(tab);
      await tab.goto(`${base}/`);
      expect(await tab.isVisible('#consent-banner')).toBe(true);
      await chooseCookies(tab, 'none');
      expect(await tab.isVisible('#consent-banner')).toBe(false);
      await tab.goto(`${base}/prefs?theme=dark`);
      expect(tab.url()).toBe(`${base}/consent?for=theme`);
      expect(await tab.textContent('#consent-choice')).toBe('declined');
      await tab.goto(`${base}/`);
      expect(await tab.getAttribute('html', 'data-theme')).toBe('light');
      expect(await cookieNames(declining)).not.toContain('theme');
      expect(await cookieNames(declining)).not.toContain('campaign');
      const lines = await received.lines();
      expect(lines.some((line) => line.startsWith('consent='))).toBe(true);
      expect(lines.filter((line) => /^(theme|campaign)=[^;]/.test(line))).toEqual([]);
    } finally {
      await declining.close();
    }
  }, 60_000);

  it('after accepting, applies the theme and keeps it after a reload; the marketing cookie is set', async () => {
    await chooseCookies(page, 'all');
    expect(await page.isVisible('#consent-banner')).toBe(false);
    await page.goto(`${base}/prefs?theme=dark`);
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.reload();
    expect(await page.textContent('#theme')).toBe('dark');
    expect(await cookieNames(context)).toEqual(expect.arrayContaining(['consent', 'theme', 'campaign']));
  }, 60_000);

  it('a browser sending Sec-GPC: 1 never receives the marketing cookie, even after accepting all', async () => {
    const gpc = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    try {
      const tab = await gpc.newPage();
      const received = setCookiesOf(tab);
      await tab.goto(`${base}/`);
      expect(await tab.textContent('#consent-banner')).toContain('Global Privacy Control');
      await chooseCookies(tab, 'all');
      await tab.reload();
      await tab.goto(`${base}/prefs?theme=dark`);
      expect(await tab.getAttribute('html', 'data-theme')).toBe('dark'); // GPC withdraws marketing only
      expect(await cookieNames(gpc)).toEqual(expect.arrayContaining(['consent', 'theme']));
      expect(await cookieNames(gpc)).not.toContain('campaign');
      expect((await received.lines()).filter((line) => line.startsWith('campaign='))).toEqual([]);
    } finally {
      await gpc.close();
    }
  }, 60_000);

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

  it('remember me: a persistent cookie, as long as the server keeps the session', async () => {
    await page.goto(`${base}/login`);
    await page.fill('input[name="username"]', 'rita');
    await page.check('input[name="remember"]');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    const cookie = (await sessionCookie())!;
    const days = (cookie.expires - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(29);
    // With id rotation the cookie slides at rotations: it lives `every` (60 s) longer than the session.
    expect(days).toBeLessThanOrEqual(30 + 60 / 86_400);
  }, 60_000);

  it('your devices: two browsers, sign out one, then everywhere else', async () => {
    const second = await browser.newContext();
    try {
      const other = await second.newPage();
      const logInAs = async (target: Page, name: string) => {
        await target.goto(`${base}/login`);
        await target.fill('input[name="username"]', name);
        await Promise.all([target.waitForURL(`${base}/`), target.click('button[type="submit"]')]);
      };
      await logInAs(page, 'devi');
      await logInAs(other, 'devi');
      await page.goto(`${base}/devices`);
      expect(await page.$$eval('#devices li', (items) => items.length)).toBe(2);
      expect(await page.$$eval('#devices li[data-current="yes"]', (items) => items.length)).toBe(1);
      // Id rotation: each device shows when its cookie's value was last renewed.
      expect(await page.$$eval('#devices li .rotated', (items) => items.length)).toBe(2);
      await Promise.all([
        page.waitForURL(`${base}/devices`),
        page.click('#devices li[data-current="no"] button'),
      ]);
      expect(await page.textContent('.notice')).toBe('Signed out that device.');
      await waitForCopies(); // the other browser's cached copy ends within its lifetime
      await other.reload();
      expect(await other.textContent('h1')).toBe('You are not logged in');
      await logInAs(other, 'devi');
      await page.goto(`${base}/devices`);
      await Promise.all([page.waitForURL(`${base}/devices`), page.click('text=Sign out everywhere else')]);
      expect(await page.textContent('.notice')).toBe('Signed out 1 other device.');
      await waitForCopies();
      await other.reload();
      expect(await other.textContent('h1')).toBe('You are not logged in');
      await page.goto(`${base}/`);
      expect(await page.textContent('h1')).toBe('Logged in as devi');
      await Promise.all([page.waitForURL(`${base}/`), page.click('text=Log out')]);
    } finally {
      await second.close();
    }
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
