/**
 * `allowCrossOrigin()`: the per-route opt-out of the cross-origin check that
 * `session()` makes (Fetch Metadata `Sec-Fetch-Site`, else `Origin`). The
 * check runs in `session()`, before route middleware, so the opt-out is a
 * marker `session()` finds among the handlers Hono matched for the request,
 * wherever it is mounted.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';

const ALLOW = Symbol.for('tesserajs.allowCrossOrigin');

/**
 * Lets cross-origin state-changing requests reach this route (a webhook, a
 * form other sites may post to): `app.post('/hook', allowCrossOrigin(), h)`
 * or `app.use('/public-api/*', allowCrossOrigin())`. The route then gets no
 * cross-origin protection from `session()`: check the caller yourself.
 */
export function allowCrossOrigin<E extends Env = Env>(): MiddlewareHandler<E> {
  const marker: MiddlewareHandler<E> = async (_c, next) => next();
  Object.defineProperty(marker, ALLOW, { value: true });
  return marker;
}

/** Whether a handler matched for this request is `allowCrossOrigin()`. */
export function allowsCrossOrigin(c: Context): boolean {
  // `matchedRoutes` is deprecated for the `hono/route` helper since 4.8 but
  // kept; the helper does not exist in 4.6, the oldest Hono supported.
  const routes = (c.req as unknown as { matchedRoutes?: Array<{ handler: unknown }> }).matchedRoutes ?? [];
  return routes.some((route) => typeof route.handler === 'function' && ALLOW in route.handler);
}
