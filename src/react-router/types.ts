/** Public types of the React Router adapter: its options and the storage it returns. */
import type { SessionData, SessionStorage } from 'react-router';
import type { Keyring, SecretsInput } from '../crypto/keyring.ts';
import type { SessionCookieOptions, SessionManagerOptions } from '../session/options/options.ts';
import type { SessionStore } from '../session/types.ts';
import type { SessionHooks } from '../session/lifecycle.ts';

/**
 * Options of {@link createTesseraSessionStorage}. Durations are in seconds.
 * `secrets` and `store` may be functions of `env` — on Workers the bindings,
 * `context.cloudflare.env` in a loader — given through `storage.withEnv(env)`.
 */
export interface TesseraSessionStorageOptions<Env = unknown>
  extends Pick<
    SessionManagerOptions<Env>,
    'idleTimeout' | 'absoluteTimeout' | 'touchInterval' | 'now' | 'rotation'
  > {
  /**
   * Secrets (≥ 32 bytes each, newest first) or a keyring: they sign the
   * session id in the cookie. A function of `env` is called per request; keys
   * are derived again only when the secrets it returns change.
   */
  secrets: SecretsInput | Keyring | ((env: Env) => SecretsInput | Keyring);
  /**
   * Where sessions live: any server-side Tessera store (Durable Objects, KV,
   * D1, Deno KV, Memory, your own), or a function of `env` returning one.
   * Records are keyed by SHA-256 of the session id. Default: one bounded
   * `MemoryStore` (this process only). A `CookieStore` is refused.
   */
  store?: SessionStore | ((env: Env) => SessionStore);
  /**
   * Attributes of the session cookie. Defaults: name `__Host-sid`, `Secure`,
   * `HttpOnly`, `SameSite=Lax`, `Path=/`, no `Max-Age` (`persistent: true`
   * gives one). For plain-http development on a host other than localhost,
   * `{ secure: false }` (the name then defaults to `sid`).
   */
  cookie?: SessionCookieOptions;
  /**
   * The data field that names the session's user: the store indexes sessions
   * by it (`store.deleteByUser`), and a commit that changes it moves the
   * session to a new id. Default `userId`.
   */
  userField?: string;
  /**
   * With `rotation`, the `reuseDetected` hook: called when a cookie value
   * replaced more than `grace` ago is presented (the whole session has then
   * ended), with the session's user and handle, for alerts and audit.
   * Awaited by `getSession`; an error it throws is logged, never thrown.
   */
  hooks?: Pick<SessionHooks, 'reuseDetected'>;
}

/**
 * React Router's `SessionStorage` backed by a Tessera store. Use it as is
 * when `secrets` and `store` are values; with functions of `env`, take the
 * storage for a request's env from {@link TesseraSessionStorage.withEnv}.
 */
export interface TesseraSessionStorage<Data = SessionData, Flash = Data, Env = unknown>
  extends SessionStorage<Data, Flash> {
  /** The storage for one request's `env` (on Workers, `context.cloudflare.env`). Cheap: call it per request. */
  withEnv(env: Env): SessionStorage<Data, Flash>;
}
