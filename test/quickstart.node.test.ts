/**
 * The quick starts run as copied: each folder under examples/quickstart/ is
 * copied to a scratch folder, installs the packed tarball (and its other
 * dependencies, from the npm cache where it can), and is started with the
 * command its package.json names. A request must come back with the session
 * cookie, and a second request carrying it must read the session back.
 *
 * The runtimes (wrangler, tsx, Deno, Bun) are this repository's own, put on
 * PATH; the dev dependencies the quick starts name for them are not
 * installed again (`--omit=dev`), which keeps each install to seconds.
 */
import { copyFileSync, cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTarball } from './pack.ts';
import { freePort, root, run } from './run.ts';
import { startServer } from './runtimes/server.ts';

const QUICKSTARTS = join(root, 'examples', 'quickstart');
const names = readdirSync(QUICKSTARTS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const env = {
  PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
  SESSION_SECRET: 'quickstart-test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  CI: 'true',
  WRANGLER_SEND_METRICS: 'false',
  DENO_NO_UPDATE_CHECK: '1',
};

let scratch: string;
const projects = new Map<string, string>();

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tesserajs-quickstart-'));
  const tarball = await packTarball(scratch);
  for (const name of names) {
    const dir = join(scratch, name);
    cpSync(join(QUICKSTARTS, name), dir, { recursive: true });
    // One at a time: installs are I/O- and CPU-heavy on a shared machine.
    const installed = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', '--no-package-lock', tarball],
      { cwd: dir, env },
    );
    expect(installed.code, `${name}: ${installed.output}`).toBe(0);
    projects.set(name, dir);
  }
}, 300_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 120_000);

/** Two requests: the first gets the session cookie, the second sends it back and reads the session. */
async function visitTwice(url: string): Promise<void> {
  const first = await fetch(url);
  expect(first.status).toBe(200);
  expect(await first.text()).toBe('Visits: 1\n');
  const cookies = first.headers.getSetCookie();
  const sid = cookies.find((line) => line.startsWith('__Host-sid='));
  expect(sid, cookies.join('\n')).toMatch(/^__Host-sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
  const second = await fetch(url, { headers: { cookie: sid!.split(';')[0]! } });
  expect(await second.text()).toBe('Visits: 2\n');
}

describe('the quick starts, installed from the packed tarball', () => {
  it('are the five the docs show', () => {
    expect(names.sort()).toEqual(['bun', 'deno', 'hono', 'node', 'workers']);
  });

  it('workers: wrangler deploy --dry-run bundles it', async () => {
    const dir = projects.get('workers')!;
    const result = await run('wrangler', ['deploy', '--dry-run', '--outdir', join(dir, 'dist')], {
      cwd: dir,
      env,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SessionDurableObject');
  }, 120_000);

  it('workers: wrangler dev serves it with sessions in a Durable Object', async () => {
    const dir = projects.get('workers')!;
    copyFileSync(join(dir, '.dev.vars.example'), join(dir, '.dev.vars')); // as the page says
    const port = await freePort();
    const server = await startServer(
      'npm',
      ['run', 'dev', '--', '--ip', '127.0.0.1', '--port', String(port)],
      { ...env, SESSION_SECRET: '' },
      120_000,
      dir,
    );
    try {
      await visitTwice(`http://127.0.0.1:${port}/`);
    } finally {
      await server.stop();
    }
  }, 180_000);

  for (const name of ['node', 'hono', 'deno', 'bun']) {
    it(`${name}: npm start serves it`, async () => {
      const dir = projects.get(name)!;
      const port = await freePort();
      const server = await startServer('npm', ['start'], { ...env, PORT: String(port) }, 90_000, dir);
      try {
        await visitTwice(`http://127.0.0.1:${port}/`);
      } finally {
        await server.stop();
      }
    }, 120_000);
  }
});
