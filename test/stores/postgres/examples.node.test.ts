/**
 * examples/node.ts and examples/bun.ts keep their sessions in PostgreSQL when
 * DATABASE_URL is set (node-postgres on Node, Bun's own client on Bun): the
 * runtime scenario over HTTP against a private PostgreSQL, then the rows are
 * looked for in the table.
 */
import { describe, expect, it } from 'vitest';
import { scenarioOverHttp } from '../../runtimes/server.ts';
import { usePostgres } from './helpers.ts';

const db = usePostgres();

/** Rows the example left, then none (so the next example starts from an empty table). */
async function rowsLeft(): Promise<number> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM public.tessera_sessions');
  await db.pool.query('TRUNCATE public.tessera_sessions');
  return rows[0].n;
}

describe('examples/node.ts on Node with PostgreSQL (node-postgres)', () => {
  scenarioOverHttp('node_modules/.bin/tsx', ['examples/node.ts'], () => ({ DATABASE_URL: db.server.url }));
  it('kept its sessions in PostgreSQL', async () => {
    expect(await rowsLeft()).toBeGreaterThan(0);
  });
});

describe('examples/bun.ts on Bun with PostgreSQL (Bun.sql)', () => {
  scenarioOverHttp('node_modules/.bin/bun', ['examples/bun.ts'], () => ({ DATABASE_URL: db.server.url }));
  it('kept its sessions in PostgreSQL', async () => {
    expect(await rowsLeft()).toBeGreaterThan(0);
  });
});
