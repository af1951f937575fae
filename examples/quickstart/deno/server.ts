import { createSessionManager } from 'tesserajs';
import { DenoKVStore } from 'tesserajs/deno-kv';

const sessions = createSessionManager<{ visits?: number }>({
  secrets: [Deno.env.get('SESSION_SECRET')!], // at least 32 random bytes
  store: new DenoKVStore(await Deno.openKv()), // Deno KV: local here, shared on Deno Deploy
});

const app = sessions.handle(async (_request, _env, _ctx, session) => {
  const visits = ((await session.get('visits')) ?? 0) + 1;
  session.set('visits', visits);
  return new Response(`Visits: ${visits}\n`);
});

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 3000) }, app);
