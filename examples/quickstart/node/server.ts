import { serve } from '@hono/node-server'; // any fetch-to-Node adapter works
import { createSessionManager, MemoryStore } from 'tesserajs';

const sessions = createSessionManager<{ visits?: number }>({
  secrets: [process.env.SESSION_SECRET!], // at least 32 random bytes
  store: new MemoryStore(), // this process only: use RedisStore for several
});

const app = sessions.handle(async (_request, _env, _ctx, session) => {
  const visits = ((await session.get('visits')) ?? 0) + 1;
  session.set('visits', visits);
  return new Response(`Visits: ${visits}\n`);
});

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: (request) => app(request), port }, () => console.log(`Listening on http://localhost:${port}`));
