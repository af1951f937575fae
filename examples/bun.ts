/** Tessera on Bun with `Bun.serve`. Run (from the repository root): `npx bun examples/bun.ts`. */
import { MemoryStore } from '../src/index.ts';
import { demoApp, demoSecret, idleTimeoutFrom } from './app.ts';

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): {
    port: number;
  };
};

const fetch = demoApp(demoSecret(process.env.SESSION_SECRET), new MemoryStore(), {
  idleTimeout: idleTimeoutFrom(process.env.SESSION_IDLE_TIMEOUT),
});

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000), fetch });
console.log(`Listening on http://127.0.0.1:${server.port}`);
