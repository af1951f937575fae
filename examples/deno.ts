/**
 * Tessera on Deno: `Deno.serve` with a plain fetch handler wrapped by
 * `sessions.handle`, sessions in Deno KV.
 * Run (from the repository root):
 * `npx deno run --unstable-kv --allow-net --allow-env examples/deno.ts`.
 */
import { DenoKVStore } from '../src/stores/deno-kv.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

// KV_PATH=":memory:" for a throwaway database; default: Deno's local one.
const kv = await Deno.openKv(Deno.env.get('KV_PATH'));
const fetch = demoApp(demoSecret(Deno.env.get('SESSION_SECRET')), new DenoKVStore(kv), {
  idleTimeout: idleTimeoutFrom(Deno.env.get('SESSION_IDLE_TIMEOUT')),
});

Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 3000),
    onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}`),
  },
  fetch,
);
