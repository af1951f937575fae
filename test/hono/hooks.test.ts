/**
 * Lifecycle hooks through the Hono middleware: in the background they are
 * handed to the Workers ExecutionContext when the request has one, and run
 * on without it elsewhere (Node, Bun, `app.request`).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { session, type SessionEnv } from '../../src/hono/index.ts';
import { MemoryStore, type SessionEvent } from '../../src/index.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

function app(events: SessionEvent['type'][]) {
  const hono = new Hono<SessionEnv<{ userId?: string }>>();
  hono.use(
    session<{ userId?: string }>({
      secrets: SECRET,
      store: new MemoryStore(),
      hooks: {
        created: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          events.push(event.type);
        },
      },
    }),
  );
  hono.get('/login', (c) => {
    c.var.session.set('userId', 'ada');
    return c.text('ok');
  });
  return hono;
}

describe('session() hooks in the background', () => {
  it('hands them to the ExecutionContext when the request has one', async () => {
    const events: SessionEvent['type'][] = [];
    const kept: Promise<unknown>[] = [];
    const ctx = {
      waitUntil: (promise: Promise<unknown>) => void kept.push(promise),
      passThroughOnException() {},
      props: {},
    };
    const response = await app(events).fetch(new Request('https://app.example/login'), {}, ctx);
    expect(response.status).toBe(200);
    expect(kept).toHaveLength(1);
    expect(events).toEqual([]); // still running after the response
    await Promise.all(kept);
    expect(events).toEqual(['created']);
  });

  it('runs them on without one (app.request on Node)', async () => {
    const events: SessionEvent['type'][] = [];
    const response = await app(events).request('https://app.example/login');
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['created']);
  });
});
