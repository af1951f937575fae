/**
 * A Worker that runs PostgresStore's checks through a Hyperdrive binding,
 * each request on a new client (Workers cannot share a connection between
 * requests): `/conformance?client=postgres.js|pg` runs the conformance suite
 * and answers each check's outcome; `/engine?client=…` the engine round trip.
 */
import pg from 'pg';
import postgres from 'postgres';
import {
  hyperdrive,
  nodePostgres,
  PostgresStore,
  postgresJs,
} from '../../../../src/stores/postgres/index.ts';
import { storeConformance } from '../../../../src/testing/index.ts';
import { engineRoundTrip } from '../../engine-round-trip.ts';

interface Env {
  HYPERDRIVE: Hyperdrive;
}

const MAX_RECORD_BYTES = 100_000;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const client = url.searchParams.get('client');
    const schema = `worker_${client === 'pg' ? 'pg' : 'js'}`;
    const closers: (() => Promise<void>)[] = [];
    const connection = hyperdrive(env.HYPERDRIVE, async (connectionString) => {
      if (client === 'pg') {
        const pgClient = new pg.Client({ connectionString });
        await pgClient.connect();
        closers.push(() => pgClient.end());
        return nodePostgres(pgClient);
      }
      const sql = postgres(connectionString, { max: 5, fetch_types: false, onnotice: () => undefined });
      closers.push(() => sql.end());
      return postgresJs(sql);
    });
    try {
      if (url.pathname === '/conformance') {
        let time = Date.now();
        const now = () => time;
        await new PostgresStore(connection, { schema }).ensureSchema();
        const checks = storeConformance(
          () => new PostgresStore(connection, { schema, now, maxRecordBytes: MAX_RECORD_BYTES }),
          { now, advance: (ms) => void (time += ms), maxRecordBytes: MAX_RECORD_BYTES },
        );
        const results: { name: string; error?: string }[] = [];
        for (const check of checks) {
          try {
            await check.run();
            results.push({ name: check.name });
          } catch (error) {
            results.push({ name: check.name, error: String(error instanceof Error ? error.stack : error) });
          }
        }
        return Response.json(results);
      }
      if (url.pathname === '/engine') {
        const store = new PostgresStore(connection, { schema: `${schema}_engine` });
        await store.ensureSchema();
        await engineRoundTrip(store);
        return new Response('ok');
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      return new Response(String(error instanceof Error ? error.stack : error), { status: 500 });
    } finally {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
    }
  },
} satisfies ExportedHandler<Env>;
