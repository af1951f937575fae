import { createSessionManager } from 'tesserajs';
import { DurableObjectStore, type SessionDurableObject } from 'tesserajs/durable-object';

// Wrangler finds the Durable Object class among the Worker's exports.
export { SessionDurableObject } from 'tesserajs/durable-object';

interface Env {
  SESSIONS: DurableObjectNamespace<SessionDurableObject>;
  SESSION_SECRET: string;
}

const sessions = createSessionManager<{ visits?: number }, { env: Env }>({
  secrets: (env) => [env.SESSION_SECRET], // bindings arrive with each request
  store: (_request, env) => new DurableObjectStore(env.SESSIONS),
});

export default {
  fetch: sessions.handle<ExecutionContext>(async (_request, _env, _ctx, session) => {
    const visits = ((await session.get('visits')) ?? 0) + 1;
    session.set('visits', visits);
    return new Response(`Visits: ${visits}\n`);
  }),
} satisfies ExportedHandler<Env>;
