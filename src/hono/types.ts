/** Types of the Hono middleware: the env users put in `new Hono<…>()` and the options. */
import type { Context, Env } from 'hono';
import type { BlankEnv } from 'hono/types';
import type {
  CookieStore,
  DefaultFlash,
  Session,
  SessionManagerOptions,
  SessionShape,
  SessionStore,
} from '../session/index.ts';

/**
 * The optional type parameters of {@link SessionEnv}, by name:
 * `SessionEnv<Data, { flash: Flash; bindings: Bindings }>`.
 */
export interface SessionEnvTypes {
  /** Flash keys and their value types. Default: none when `Data` is typed, any otherwise. */
  flash?: SessionShape;
  /** The Worker bindings the app sees on `c.env`. */
  bindings?: object;
  /**
   * The context key of a named session (`session({ name: 'admin', … })`):
   * `c.var.admin`, `getSession(c, 'admin')`. Default `session`.
   */
  name?: string;
}

/** A `Flash` shape with no keys (what `DefaultFlash<Data>` is for a typed `Data`). */
export type NoFlash = Record<never, never>;

/** What the middleware adds to `c.var`. */
export interface SessionVariables<
  Data extends SessionShape = SessionShape,
  Flash extends SessionShape = DefaultFlash<Data>,
> {
  /** The request's session: lazy, committed onto the response after the handler. */
  session: Session<Data, Flash>;
}

/**
 * The Hono env for an app with sessions: `new Hono<SessionEnv<Data>>()` types
 * `c.var.session` and `c.get('session')`. Flash keys and Worker bindings are
 * named: `SessionEnv<Data, { flash: Flash; bindings: Bindings }>`. Add other
 * variables by intersection: `SessionEnv<Data> & { Variables: { user: User } }`.
 */
export type SessionEnv<
  Data extends SessionShape = SessionShape,
  Types extends SessionEnvTypes = {},
> = Types extends {
  bindings: infer Bindings extends object;
}
  ? { Bindings: Bindings; Variables: EnvVariables<Data, Types> }
  : { Variables: EnvVariables<Data, Types> };

type EnvVariables<Data extends SessionShape, Types extends SessionEnvTypes> = Types extends {
  name: infer Name extends string;
}
  ? { [K in Name]: Session<Data, EnvFlash<Data, Types>> }
  : SessionVariables<Data, EnvFlash<Data, Types>>;

type EnvFlash<Data extends SessionShape, Types extends SessionEnvTypes> = Types extends {
  flash: infer F extends SessionShape;
}
  ? F
  : DefaultFlash<Data>;

/**
 * What `session<T>()` takes as `T`: the app's env (`SessionEnv<…>`, possibly
 * with more bindings and variables) or, for an app without bindings, just the
 * `Data` shape.
 */
export type SessionAppEnv<T extends SessionShape | Env> = T extends {
  Variables: object;
}
  ? T
  : T extends SessionShape
    ? SessionEnv<T>
    : never;

/** The session type an env carries in `Variables.session` (or under `Name`), plain `Session` if none. */
export type SessionOf<E extends Env, Name extends string = 'session'> = E extends {
  Variables: { [K in Name]: infer S };
}
  ? S
  : Session;

/** A store, or a function that picks one from the request's Hono context (Workers bindings live on `c.env`). */
export type HonoStoreOption<E extends Env> =
  | SessionStore
  | CookieStore
  | ((c: Context<E>) => SessionStore | CookieStore);

/**
 * Options of {@link session}: those of `createSessionManager`, except that a
 * store function receives the Hono context:
 * `store: (c) => new KVStore(c.env.SESSIONS)`.
 */
export interface SessionOptions<E extends Env = BlankEnv>
  extends Omit<SessionManagerOptions<Context<E>>, 'store'> {
  /** Where sessions live. Default: one bounded `MemoryStore` per middleware. */
  store?: HonoStoreOption<E>;
  /**
   * The context key: `c.var[name]`, `getSession(c, name)`. Default
   * `session`. Give each of several sessions its own (`'admin'`), with its
   * own `cookie.name`.
   */
  name?: string;
}
