/**
 * The configuration check of the first request. On Workers, secrets and
 * bindings arrive with each request (`env`), so a missing secret or a
 * misnamed binding cannot fail at construction; it fails the first request
 * through `handle()` or the Hono middleware instead — even one that never
 * touches its session — with a message saying what to set. Checked once per
 * `env` object (a WeakSet entry), so later requests pay one lookup.
 */
import { keepsSessionsInCookies } from '../contracts.ts';
import type { ResolvedOptions } from './options.ts';
import type { CookieStore } from '../backend/cookie.ts';
import type { SessionStore } from '../types.ts';

const NO_ENV = {};
const NOTHING_TO_CHECK = (): undefined => undefined;

/** Whether `value` looks like a store: a `SessionStore` or a `CookieStore`. */
function isStoreLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as { get?: unknown }).get === 'function' || keepsSessionsInCookies(value);
}

/** The binding names an `env` holds, for messages ("env has: SESSIONS_KV, DB"). */
export function bindingsHint(bindings: unknown): string {
  if (typeof bindings !== 'object' || bindings === null) return '';
  const names = Object.keys(bindings);
  return names.length === 0
    ? ' (env has no bindings: add the binding to wrangler.toml)'
    : ` (env has: ${names.join(', ')}; the binding's name in wrangler.toml must be the one your code reads from env)`;
}

/** The check, made for one manager's options. */
export function setupCheck<Env>(
  options: ResolvedOptions<Env>,
): (request: Request, env: Env, bindings: unknown) => SessionStore | CookieStore | undefined {
  // Secrets and store fixed at construction were checked there: nothing is
  // left to check per env. (On Node, `c.env` is a new object per request: a
  // WeakSet entry per request would cost more than the whole session.)
  if (!options.secretsFromEnv && typeof options.store !== 'function') return NOTHING_TO_CHECK;
  const checked = new WeakSet<object>();
  return (request, env, bindings) => {
    const key = typeof bindings === 'object' && bindings !== null ? bindings : NO_ENV;
    if (checked.has(key)) return undefined;
    options.keyring(env); // throws naming the secret and how to set it
    let store: unknown;
    if (typeof options.store === 'function') {
      try {
        store = options.store(request, env);
      } catch (error) {
        throw new TypeError(
          `createSessionManager: option store: the store function failed on the first request: ${(error as Error)?.message ?? error}${bindingsHint(bindings)}`,
          { cause: error },
        );
      }
      if (!isStoreLike(store)) {
        throw new TypeError(
          `createSessionManager: option store: the store function returned ${store === null ? 'null' : typeof store}, not a store${bindingsHint(bindings)}`,
        );
      }
    }
    checked.add(key);
    // The store made for the check serves this request: one store per request, as always.
    return store as SessionStore | CookieStore | undefined;
  };
}

/**
 * The message for a store given something other than its Workers binding:
 * usually `env.SESSIONS` where wrangler.toml names the binding otherwise
 * (it is then undefined), or a binding of another kind.
 */
export function bindingMessage(caller: string, kind: string, toml: string, value: unknown): string {
  const got =
    value === undefined || value === null
      ? `is ${String(value)}`
      : `is a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}, not a ${kind}`;
  return (
    `${caller}: the first argument ${got}: pass the ${kind} binding (env.NAME). ` +
    `If it is missing or misnamed, declare it in wrangler.toml (${toml}) under the name your code reads from env, ` +
    'and restart `wrangler dev`'
  );
}
