/**
 * The Workers compatibility_date floor the README states: the test Worker
 * (test/workers/main.ts), bundled by wrangler, run by Miniflare with the
 * date set to 2024-04-03 (Durable Object RPC) passes log in → read →
 * count → log out with every store; one day earlier, the Durable Object
 * store fails at first use with a message that names the date.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, root, run } from '../run.ts';

const FLOOR = '2024-04-03';
const BEFORE = '2024-04-02';
const ORIGIN = 'https://floor.example';

let bundle: string;

function worker(compatibilityDate: string, log: string[]): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath: join(bundle, 'main.js'),
    modulesRoot: bundle,
    compatibilityDate, // and no compatibility flags
    kvNamespaces: ['SESSIONS_KV'],
    durableObjects: { SESSIONS_DO: { className: 'SessionDurableObject', useSQLite: true } },
    d1Databases: ['DB'],
    // workerd's own output (its warning about RPC before the floor), kept for the assertions.
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.on('data', (chunk: Buffer) => log.push(chunk.toString()));
      stderr.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    },
  });
}

beforeAll(async () => {
  bundle = mkdtempSync(join(tmpdir(), 'tesserajs-floor-'));
  const built = await run(
    bin('wrangler'),
    ['deploy', '--dry-run', '--outdir', bundle, '-c', 'test/workers/wrangler.toml'],
    { env: { WRANGLER_SEND_METRICS: 'false' } },
  );
  expect(built.code, built.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (bundle) rmSync(bundle, { recursive: true, force: true });
});

describe(`Workers compatibility_date ${FLOOR}`, () => {
  it('runs every store: log in, read, count, log out', async () => {
    const mf = worker(FLOOR, []);
    try {
      const db = await mf.getD1Database('DB');
      const migration = readFileSync(join(root, 'migrations/0001_create_sessions.sql'), 'utf8').replace(
        /^--.*$/gm,
        '',
      );
      await db.batch(
        migration
          .split(';')
          .filter((sql) => sql.trim() !== '')
          .map((sql) => db.prepare(sql)),
      );
      for (const store of ['memory', 'kv', 'do', 'd1']) {
        const get = async (path: string, cookie?: string) => {
          const response = await mf.dispatchFetch(
            `${ORIGIN}${path}${path.includes('?') ? '&' : '?'}store=${store}`,
            { headers: cookie ? { cookie } : {} },
          );
          return { response, text: await response.text() };
        };
        const login = await get('/login?user=ada');
        expect(login.response.status, `${store}: ${login.text}`).toBe(200);
        const cookie = login.response.headers.getSetCookie()[0]!.split(';')[0]!;
        expect((await get('/count', cookie)).response.status, store).toBe(200);
        expect(JSON.parse((await get('/', cookie)).text), store).toEqual({ userId: 'ada', n: 1 });
        expect((await get('/logout', cookie)).response.status, store).toBe(200);
        expect(JSON.parse((await get('/', cookie)).text), store).toEqual({ userId: null, n: 0 });
      }
    } finally {
      await mf.dispose();
    }
  }, 60_000);

  it(`before it (${BEFORE}) the Durable Object store fails at first use, naming the date`, async () => {
    const log: string[] = [];
    const mf = worker(BEFORE, log);
    try {
      const response = await mf.dispatchFetch(`${ORIGIN}/login?user=ada&store=do`);
      expect(response.status).toBe(500);
      expect(await response.text()).toContain(`compatibility_date = "${FLOOR}" or later`);
      expect((await mf.dispatchFetch(`${ORIGIN}/login?user=ada&store=kv`)).status).toBe(200);
    } finally {
      await mf.dispose();
    }
    expect(log.join('')).toContain('2024-04-03 or later'); // workerd's own warning agrees on the date
  }, 60_000);
});
