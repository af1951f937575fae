/** Types of the Hono middleware: the env users put in `new Hono<…>()` and the options. */
import type { Context, Env } from 'hono';
import type { BlankEnv } from 'hono/types';
import type { CookieStore, DefaultFlash, Session, SessionManagerOptions, SessionShape, SessionStore } from '../session/index.ts';

/** A `Flash` shape with no keys (what `DefaultFlash<Data>` is for a typed `Data`). */
export type NoFlash = Record<never, never>;

/** What the middleware adds to `c.var`. */
export interface SessionVariables<Data extends SessionShape = SessionShape, Flash extends SessionShape = DefaultFlash<Data>> {
  /** The request's session: lazy, committed onto the response after the handler. */
  session: Session<Data, Flash>;
}

/**
 * The Hono env for an app with sessions: `new Hono<SessionEnv<Data, Flash>>()`
 * types `c.var.session` and `c.get('session')`. Pass your Worker bindings as
 * `Bindings`; add other variables by intersection:
 * `SessionEnv<Data> & { Variables: { user: User } }`.
 */
export type SessionEnv<
  Data extends SessionShape = SessionShape,
  Flash extends SessionShape = DefaultFlash<Data>,
  Bindings extends object | undefined = undefined,
> = Bindings extends object
  ? { Bindings: Bindings; Variables: SessionVariables<Data, Flash> }
  : { Variables: SessionVariables<Data, Flash> };

/** The session type an env carries in `Variables.session` (plain `Session` if none). */
export type SessionOf<E extends Env> = E extends { Variables: { session: infer S } } ? S : Session;

/** A store, or a function that picks one from the request's Hono context (Workers bindings live on `c.env`). */
export type HonoStoreOption<E extends Env> = SessionStore | CookieStore | ((c: Context<E>) => SessionStore | CookieStore);

/**
 * Options of {@link session}: those of `createSessionManager`, except that a
 * store function receives the Hono context:
 * `store: (c) => new KVStore(c.env.SESSIONS)`.
 */
export interface SessionOptions<E extends Env = BlankEnv> extends Omit<SessionManagerOptions<Context<E>>, 'store'> {
  /** Where sessions live. Default: one bounded `MemoryStore` per middleware. */
  store?: HonoStoreOption<E>;
}
