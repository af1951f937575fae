/** Tessera on Node, served by @hono/node-server's fetch adapter. Run (from the repository root): `npx tsx examples/node.ts`. */
import { serve } from '@hono/node-server';
import { MemoryStore } from '../src/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), new MemoryStore(), {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

serve({ fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, ({ port }) => {
  console.log(`Listening on http://127.0.0.1:${port}`);
});
