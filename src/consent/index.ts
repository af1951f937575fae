/**
 * The consent layer: which cookies may leave the library, from a signed
 * consent record of the purposes a visitor granted (ePrivacy art. 5(3)), the
 * `Sec-GPC` header that withdraws them (CCPA/CPRA regulations §7025), the
 * report of what was sent or held back, and the cookie policy table.
 */
export { createConsent, type Consent } from './consent.ts';
export {
  CONSENT_MAX_AGE,
  type ConsentOptions,
  type ConsentCookieOptions,
  type CookieDeclaration,
  type DeclaredCookie,
  type BlockedCookie,
  type BlockReason,
} from './options.ts';
export type { ConsentRecord } from './record.ts';
export { cookieReport, type CookieDecision } from './report.ts';
export { cookiePolicyTable, cookiePolicyRows, type CookiePolicyRow } from './policy-table.ts';
export { globalPrivacyControl } from './gpc.ts';
