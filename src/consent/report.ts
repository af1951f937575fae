/**
 * What the consent check did with each cookie of a response: for a debug
 * header, a log line or a test.
 */
import type { CookiePurpose } from '../cookie/purpose.ts';
import type { BlockReason } from './options.ts';

/** One cookie of a response and what happened to it. */
export interface CookieDecision {
  /** The name as sent. */
  readonly name: string;
  readonly purpose: CookiePurpose;
  /**
   * `sent`: the `Set-Cookie` went out. `deleted`: a deletion went out (they
   * always do: removing a cookie needs no consent) — the app's own, or one the
   * check added for a cookie the request carried without consent. `blocked`:
   * the line was dropped.
   */
  readonly outcome: 'sent' | 'deleted' | 'blocked';
  /** Why it was blocked. */
  readonly reason?: BlockReason;
}

const reports = new WeakMap<Response, readonly CookieDecision[]>();

/** Remembers the decisions for the response that carries them. */
export function remember(response: Response, decisions: readonly CookieDecision[]): void {
  reports.set(response, Object.freeze(decisions));
}

/**
 * The cookies of a response that went through a consent check
 * (`consent.enforce`, `consent.handle`, the Hono `cookieConsent`), each with
 * its purpose and outcome; `undefined` for a response that did not.
 */
export function cookieReport(response: Response): readonly CookieDecision[] | undefined {
  return reports.get(response);
}

/** The report as one header value: `sid=necessary, theme=preferences;blocked=not-granted, ad=marketing;deleted`. */
export function reportHeaderValue(decisions: readonly CookieDecision[]): string {
  return decisions
    .map(({ name, purpose, outcome, reason }) =>
      outcome === 'sent'
        ? `${name}=${purpose}`
        : outcome === 'deleted'
          ? `${name}=${purpose};deleted`
          : `${name}=${purpose};blocked=${reason}`,
    )
    .join(', ');
}
