/**
 * `tesserajs/react-router`: React Router's `SessionStorage` backed by any
 * Tessera store, with Tessera's cookie and id rules. The only module of
 * Tessera that imports `react-router` (an optional peer, 7.x).
 *
 * ```ts
 * import { createTesseraSessionStorage } from 'tesserajs/react-router';
 * import { DurableObjectStore } from 'tesserajs/durable-object';
 *
 * const sessions = createTesseraSessionStorage<{ userId: string }, { error: string }, Env>({
 *   secrets: (env) => [env.SESSION_SECRET],
 *   store: (env) => new DurableObjectStore(env.SESSIONS),
 * });
 * // in a loader or action:
 * const { getSession, commitSession } = sessions.withEnv(context.cloudflare.env);
 * ```
 * @packageDocumentation
 */
export { createTesseraSessionStorage } from './storage.ts';
export type { TesseraSessionStorage, TesseraSessionStorageOptions } from './types.ts';
