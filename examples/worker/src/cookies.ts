/**
 * The demo's cookies beside the session: the theme (a preferences cookie), a
 * marketing test cookie, and the consent configuration that decides which of
 * them leave the Worker. `cookieConsent()` in index.ts enforces it on every
 * response, so no route has to remember to check.
 */
import {
  createConsent,
  createCookie,
  createKeyring,
  serializeCookie,
  type Consent,
  type CookieDeclaration,
  type CookieDefinition,
} from '../../../src/index.ts';
import type { Theme } from './pages.ts';

const DAY = 24 * 60 * 60;

/** Change it when the cookie policy changes: every visitor is asked again. */
export const POLICY_VERSION = '2025-06';

/** A marketing test cookie, set by the home page: never sent without consent, nor with Sec-GPC: 1. */
export const CAMPAIGN: CookieDeclaration = {
  name: 'campaign',
  purpose: 'marketing',
  path: '/',
  sameSite: 'Lax',
  maxAge: 30 * DAY,
  description: 'A test cookie standing for ad tracking: which campaign brought you here.',
};

/** The `Set-Cookie` line of the marketing test cookie. */
export function campaignCookie(value: string): string {
  const { name, purpose: _purpose, description: _description, ...attributes } = CAMPAIGN;
  return serializeCookie(name, value, attributes);
}

export interface DemoCookies {
  theme: CookieDefinition<Theme>;
  consent: Consent;
}

let current: { secret: string; cookies: DemoCookies } | undefined;

/** The theme cookie and the consent configuration for a secret, made once per secret (keys derived once). */
export function demoCookies(secret: string): DemoCookies {
  if (current?.secret !== secret) {
    const keyring = createKeyring(secret);
    // The theme cookie outlives sessions: signed, one year, and only with consent to preferences.
    const theme = createCookie<Theme>('theme', {
      secrets: keyring,
      mode: 'signed',
      purpose: 'preferences',
      description: 'Remembers the theme you picked, light or dark.',
      path: '/',
      sameSite: 'Lax',
      httpOnly: true,
      maxAge: 365 * DAY,
    });
    const consent = createConsent({
      secrets: keyring,
      policyVersion: POLICY_VERSION,
      cookies: [theme, CAMPAIGN],
      // A development demo: dropped cookies are warned about, and listed in a response header.
      onBlocked: 'warn',
      reportHeader: 'x-cookie-purposes',
    });
    current = { secret, cookies: { theme, consent } };
  }
  return current.cookies;
}
