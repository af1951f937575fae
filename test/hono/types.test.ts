/**
 * Compile-time checks (`npm run typecheck` compiles this file): the session
 * on the Hono context is typed from `Data` / `Flash` with no casts, and a key
 * outside them does not compile. The requests at the end make it a runtime
 * test as well.
 */
import { Hono, type Context } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { csrfToken, getSession, session, type SessionEnv } from '../../src/hono/index.ts';
import { createSessionManager, MemoryStore, type Session, type SessionStore } from '../../src/index.ts';
import { SECRET } from '../session/helpers.ts';

type User = { id: string; name: string };
type Data = { user?: User; visits?: number };
type Flash = { notice?: string };

describe('tesserajs/hono types', () => {
  it('SessionEnv types c.var.session, c.get("session") and getSession(c) from Data and Flash', async () => {
    type AppEnv = SessionEnv<Data, { flash: Flash }>;
    const app = new Hono<AppEnv>();
    app.use(session<AppEnv>({ secrets: SECRET }));
    app.get('/', async (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data, Flash>>();
      expectTypeOf(c.var.session.get('user')).toEqualTypeOf<Promise<User | undefined>>();
      expectTypeOf(c.get('session').get('visits')).toEqualTypeOf<Promise<number | undefined>>();
      expectTypeOf(getSession(c)).toEqualTypeOf<Session<Data, Flash>>();
      expectTypeOf(getSession(c).get('notice')).toEqualTypeOf<Promise<string | undefined>>();
      const token = csrfToken(c);
      expectTypeOf(token).toEqualTypeOf<Promise<string>>();
      await token; // it writes the token into the session: before the response, or it throws
      // @ts-expect-error 'nope' is neither a Data nor a Flash key
      void c.var.session.get('nope');
      // @ts-expect-error same through c.get
      void c.get('session').get('usr');
      // @ts-expect-error visits is a number
      c.var.session.set('visits', 'many');
      // @ts-expect-error only numeric keys can be incremented
      c.var.session.increment('user');
      const user = await c.var.session.get('user');
      return c.text(user?.name ?? 'anonymous');
    });
    expect(await (await app.request('/')).text()).toBe('anonymous');
  });

  it('chaining .use(session<Data>()) types c.var.session without declaring the env', async () => {
    const app = new Hono().use(session<Data>({ secrets: SECRET })).get('/', async (c) => {
      expectTypeOf(c.var.session.get('visits')).toEqualTypeOf<Promise<number | undefined>>();
      // @ts-expect-error not a Data key (no Flash keys by default)
      void c.var.session.get('notice');
      return c.text(String((await c.var.session.get('visits')) ?? 0));
    });
    expect(await (await app.request('/')).text()).toBe('0');
  });

  it('a store function sees the app bindings on c.env', () => {
    type Bindings = { SESSIONS: MemoryStore; SECRET: string };
    type AppEnv = SessionEnv<Data, { flash: Flash; bindings: Bindings }>;
    const middleware = session<AppEnv>({
      secrets: SECRET,
      store: (c) => {
        expectTypeOf(c.env).toEqualTypeOf<Bindings>();
        expectTypeOf(c).toEqualTypeOf<Context<AppEnv>>();
        return c.env.SESSIONS;
      },
    });
    const app = new Hono<AppEnv>().use(middleware);
    app.get('/', (c) => {
      expectTypeOf(c.env.SECRET).toEqualTypeOf<string>();
      return c.text('ok');
    });
    // @ts-expect-error the store function must return a store
    session<AppEnv>({ secrets: SECRET, store: (c) => c.env.SECRET });
  });

  it('names the optional SessionEnv parameters, so one in the wrong place does not compile', () => {
    type Bindings = { SESSIONS: MemoryStore };
    // @ts-expect-error: a Flash shape is not the named-types object
    type WrongFlash = SessionEnv<Data, Flash>;
    // @ts-expect-error: bindings go under `bindings`
    type WrongBindings = SessionEnv<Data, Bindings>;
    expectTypeOf<SessionEnv<Data, { bindings: Bindings }>['Bindings']>().toEqualTypeOf<Bindings>();
  });

  it('a ready manager keeps its Data and Flash types', () => {
    const manager = createSessionManager<Data, { flash: Flash; env: { KV: SessionStore } }>({
      secrets: SECRET,
      store: (_request, env) => env.KV,
    });
    const app = new Hono().use(session(manager));
    app.get('/', async (c) => {
      expectTypeOf(c.var.session.get('user')).toEqualTypeOf<Promise<User | undefined>>();
      return c.text('ok');
    });
  });

  it('an untyped app gets a plain Session from getSession(c)', () => {
    const app = new Hono();
    app.use(session({ secrets: SECRET }));
    app.get('/', (c) => {
      expectTypeOf(getSession(c)).toEqualTypeOf<Session>();
      return c.text('ok');
    });
  });
});
