/**
 * PostgresStore on Workers through Hyperdrive: `wrangler dev` runs
 * test/stores/postgres/worker/worker.ts with its Hyperdrive binding pointed
 * at a private PostgreSQL (wrangler's local Hyperdrive, no Cloudflare
 * account), and the Worker runs the conformance suite and the engine round
 * trip with postgres.js and with node-postgres. Started from a Node test
 * because the workerd test pool is configured before any server could start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConformance } from '../../../src/testing/index.ts';
import { bin, freePort } from '../../run.ts';
import { type RunningServer, startServer } from '../../runtimes/server.ts';
import { usePostgres } from './helpers.ts';

const db = usePostgres();
let worker: RunningServer | undefined;

beforeAll(async () => {
  const [port, inspector] = [await freePort(), await freePort()];
  worker = await startServer(
    bin('wrangler'),
    [
      'dev',
      '--config',
      'test/stores/postgres/worker/wrangler.toml',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--show-interactive-dev-session=false',
    ],
    { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: db.server.url },
    90_000,
  );
}, 120_000);

afterAll(() => worker?.stop());

// The names only: the checks run inside the Worker.
const names = storeConformance(() => ({}) as never, {
  advance: () => undefined,
  maxRecordBytes: 100_000,
}).map((check) => check.name);

for (const client of ['postgres.js', 'pg'] as const) {
  describe(`PostgresStore in a Worker through Hyperdrive with ${client}`, () => {
    it('passes the conformance suite', async () => {
      const response = await fetch(`${worker!.url}/conformance?client=${client}`);
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const results = JSON.parse(text) as { name: string; error?: string }[];
      expect(results.map((result) => result.name)).toEqual(names);
      for (const result of results) expect(result.error, result.name).toBeUndefined();
    }, 60_000);

    it('runs behind the session engine: login, 50 concurrent increments, logout', async () => {
      const response = await fetch(`${worker!.url}/engine?client=${client}`);
      expect(await response.text()).toBe('ok');
    }, 60_000);
  });
}
