/**
 * A React Router app, through React Router's request handler, with sessions
 * in a Memory store (Node and workerd); durable-object.workerd.test.ts runs
 * the same app on Durable Objects.
 */
import { it } from 'vitest';
import { MemoryStore } from '../../src/index.ts';
import { createTesseraSessionStorage } from '../../src/react-router/index.ts';
import { SECRET } from '../session/helpers.ts';
import { appScenario, buildApp } from './app.ts';

it('log in, read a flash once, tamper, log out, replay: through React Router', async () => {
  type Env = { SESSION_SECRET: string; STORE: MemoryStore };
  const sessions = createTesseraSessionStorage<{ userId?: string }, { notice?: string }, Env>({
    secrets: (env) => [env.SESSION_SECRET],
    store: (env) => env.STORE,
  });
  const app = buildApp<Env>((env) => sessions.withEnv(env));
  await appScenario(app, { SESSION_SECRET: SECRET, STORE: new MemoryStore() });
});
