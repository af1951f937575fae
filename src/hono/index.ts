/**
 * `tesserajs/hono`: Tessera sessions as Hono middleware, session-bound CSRF
 * tokens, and the cookie consent check. The only module of Tessera that
 * imports `hono` (an optional peer).
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { session, type SessionEnv } from 'tesserajs/hono';
 *
 * type Data = { userId?: string };
 * const app = new Hono<SessionEnv<Data>>();
 * app.use(session<Data>({ secrets: [SECRET] }));
 * app.get('/', async (c) => c.text((await c.var.session.get('userId')) ?? 'anonymous'));
 * ```
 * @packageDocumentation
 */
export { session } from './middleware.ts';
export { getSession } from './context.ts';
export {
  listSessions,
  revokeSession,
  revokeOtherSessions,
  requireFresh,
  type RequireFreshOptions,
} from './devices.ts';
export { csrf, csrfToken, type CsrfOptions } from './csrf.ts';
export { allowCrossOrigin } from './cross-origin.ts';
export { cookieConsent } from './consent.ts';
export { CSRF_SESSION_KEY, type StoredCsrfToken } from '../session/csrf.ts';
export type {
  SessionEnv,
  SessionEnvTypes,
  SessionAppEnv,
  SessionVariables,
  SessionOptions,
  SessionOf,
  HonoStoreOption,
  NoFlash,
} from './types.ts';
