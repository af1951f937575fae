/**
 * Worker bundles built the way a user deploys them (`wrangler deploy
 * --dry-run --minify`) in a consumer that installed the packed tarball: one
 * with only `tesserajs/hono` and the Durable Object store, and a bare Hono
 * Worker to compare sizes with. Used by the packaging test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bin, run } from './run.ts';

const SESSION_WORKER = `import { Hono } from 'hono';
import { session } from 'tesserajs/hono';
import { DurableObjectStore, SessionDurableObject } from 'tesserajs/durable-object';

export { SessionDurableObject };
type Env = { Bindings: { SESSIONS: DurableObjectNamespace<SessionDurableObject>; SECRET: string } };
const app = new Hono<Env>();
app.use(session<Env>({ secrets: (c) => c.env.SECRET, store: (c) => new DurableObjectStore(c.env.SESSIONS) }));
app.get('/', async (c) => c.text(String(await c.var.session.get('visits'))));
export default app;
`;

const BARE_WORKER = `import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.text('hello'));
export default app;
`;

const CONFIGS = {
  session: {
    name: 'session',
    main: 'session-worker.ts',
    compatibility_date: '2026-04-01',
    durable_objects: { bindings: [{ name: 'SESSIONS', class_name: 'SessionDurableObject' }] },
    migrations: [{ tag: 'v1', new_sqlite_classes: ['SessionDurableObject'] }],
  },
  bare: { name: 'bare', main: 'bare-worker.ts', compatibility_date: '2026-04-01' },
};

export interface WorkerBundle {
  /** The bundled JavaScript. */
  code: string;
  /** Its gzip size in bytes. */
  gzipBytes: number;
}

/** Bundles both Workers in `consumer` (which has tesserajs installed and hono linked). */
export async function bundleWorkers(consumer: string): Promise<Record<keyof typeof CONFIGS, WorkerBundle>> {
  writeFileSync(join(consumer, 'session-worker.ts'), SESSION_WORKER);
  writeFileSync(join(consumer, 'bare-worker.ts'), BARE_WORKER);
  const bundles = {} as Record<keyof typeof CONFIGS, WorkerBundle>;
  for (const [name, config] of Object.entries(CONFIGS) as [
    keyof typeof CONFIGS,
    (typeof CONFIGS)['bare'],
  ][]) {
    writeFileSync(join(consumer, `${name}.wrangler.json`), JSON.stringify(config));
    const outdir = join(consumer, `out-${name}`);
    const { code, output } = await run(
      bin('wrangler'),
      ['deploy', '--dry-run', '--minify', '--outdir', outdir, '-c', `${name}.wrangler.json`],
      { cwd: consumer, env: { WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(consumer, 'logs') } },
    );
    if (code !== 0) throw new Error(`wrangler could not bundle the ${name} Worker:\n${output}`);
    const js = readFileSync(join(outdir, config.main.replace(/\.ts$/, '.js')), 'utf8');
    bundles[name] = { code: js, gzipBytes: gzipSync(js).length };
  }
  return bundles;
}
