import { createSessionManager, MemoryStore } from 'tesserajs';

const sessions = createSessionManager<{ visits?: number }>({
  secrets: [Bun.env.SESSION_SECRET!], // at least 32 random bytes
  store: new MemoryStore(), // this process only: use RedisStore for several
});

const app = sessions.handle(async (_request, _env, _ctx, session) => {
  const visits = ((await session.get('visits')) ?? 0) + 1;
  session.set('visits', visits);
  return new Response(`Visits: ${visits}\n`);
});

const server = Bun.serve({ port: Number(Bun.env.PORT ?? 3000), fetch: (request) => app(request) });
console.log(`Listening on ${server.url}`);
