import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { MemoryStore } from 'tesserajs';
import { session, type SessionEnv } from 'tesserajs/hono';

type AppEnv = SessionEnv<{ visits?: number }>;

const app = new Hono<AppEnv>();
app.use(session<AppEnv>({ secrets: [process.env.SESSION_SECRET!], store: new MemoryStore() }));

app.get('/', async (c) => {
  const visits = ((await c.var.session.get('visits')) ?? 0) + 1;
  c.var.session.set('visits', visits); // committed after the handler: one Set-Cookie
  return c.text(`Visits: ${visits}\n`);
});

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port }, () => console.log(`Listening on http://localhost:${port}`));
