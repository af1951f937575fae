/**
 * `cookieConsent()`: the consent check as Hono middleware. After the handler
 * (and everything mounted after this middleware) it drops the `Set-Cookie`
 * lines whose purpose the visitor has not granted, or that `Sec-GPC: 1`
 * withdraws (ePrivacy art. 5(3); CCPA/CPRA regulations §7025).
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import type { Consent } from '../consent/consent.ts';
import { replaceResponse } from './context.ts';

/**
 * Enforces `consent` on every response. Mount it first — before `session()`
 * and anything else that sets cookies — so it sees every `Set-Cookie` line,
 * error pages included. On Workers, where secrets arrive with the request,
 * pass a function of the context that returns a consent made once per secret.
 *
 * @throws TypeError at construction when `consent` is neither a consent nor a function.
 */
export function cookieConsent<E extends Env = BlankEnv>(
  consent: Consent | ((c: Context<E>) => Consent),
): MiddlewareHandler<E> {
  if (
    typeof consent !== 'function' &&
    (typeof consent !== 'object' || typeof consent?.enforce !== 'function')
  )
    throw new TypeError(
      'cookieConsent: pass the result of createConsent(…) or a function of the context returning it',
    );
  return async function tesseraConsent(c, next) {
    // Resolved before the handler: a misconfiguration fails the request once, through app.onError.
    const current = typeof consent === 'function' ? consent(c) : consent;
    await next();
    replaceResponse(c, await current.enforce(c.req.raw, c.res));
  };
}
