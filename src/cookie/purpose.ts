/**
 * Cookie purposes: why a cookie exists, which decides whether it needs the
 * visitor's consent (ePrivacy Directive art. 5(3): storing or reading
 * information on a visitor's device needs consent unless it is strictly
 * necessary for the service they asked for).
 *
 * Purposes are declared per cookie name, for the whole process: a name is one
 * cookie with one purpose. `createCookie(name, { purpose })`,
 * `setCookie(target, name, value, { purpose })` and `createConsent({ cookies })`
 * declare them; the consent check at the response's exit looks them up by the
 * name on each `Set-Cookie` line, so a purpose survives the line being copied
 * into another `Response`.
 */

/**
 * Why a cookie exists:
 *
 * - `necessary`: needed for what the visitor asked for — sessions, CSRF
 *   tokens, load balancing, the consent record itself. No consent needed.
 * - `preferences`: remembers choices (theme, language) the site works without.
 * - `analytics`: measures how the site is used.
 * - `marketing`: advertising, cross-site tracking, or data sold or shared.
 */
export type CookiePurpose = 'necessary' | 'preferences' | 'analytics' | 'marketing';

/** The purposes that need the visitor's consent: all but `necessary`. */
export type ConsentPurpose = Exclude<CookiePurpose, 'necessary'>;

/** Every purpose, `necessary` first. */
export const COOKIE_PURPOSES: readonly CookiePurpose[] = Object.freeze([
  'necessary',
  'preferences',
  'analytics',
  'marketing',
]);

/** The purposes that need consent, in the order of {@link COOKIE_PURPOSES}. */
export const CONSENT_PURPOSES: readonly ConsentPurpose[] = Object.freeze([
  'preferences',
  'analytics',
  'marketing',
]);

/** Whether `value` is one of {@link COOKIE_PURPOSES}. */
export function isCookiePurpose(value: unknown): value is CookiePurpose {
  return typeof value === 'string' && (COOKIE_PURPOSES as readonly string[]).includes(value);
}

/** Whether `value` is a purpose that needs consent. */
export function isConsentPurpose(value: unknown): value is ConsentPurpose {
  return isCookiePurpose(value) && value !== 'necessary';
}

/** The quoted list of purposes, for error messages. */
export const PURPOSE_LIST = COOKIE_PURPOSES.map((purpose) => `"${purpose}"`).join(', ');

/**
 * Most distinct names that may be declared. Names are part of an app's code;
 * far more than this means names are being built from input, which would
 * grow the registry without bound.
 */
export const MAX_DECLARED_COOKIES = 1000;

const declared = new Map<string, CookiePurpose>();

/**
 * Declares the purpose of the cookie `name` (the name as sent, prefix
 * included).
 *
 * @throws TypeError when `purpose` is not a purpose, when the name was
 *   declared with another purpose, or past {@link MAX_DECLARED_COOKIES} names.
 *   `caller` and `option` name what was misconfigured.
 */
export function declareCookiePurpose(
  name: string,
  purpose: unknown,
  caller: string,
  option = 'purpose',
): void {
  if (!isCookiePurpose(purpose))
    throw new TypeError(`${caller}: option ${option} must be one of ${PURPOSE_LIST}`);
  const existing = declared.get(name);
  if (existing === purpose) return;
  if (existing !== undefined) {
    throw new TypeError(
      `${caller}: cookie "${name}" is already declared with purpose "${existing}", not "${purpose}" (one name, one purpose)`,
    );
  }
  if (declared.size >= MAX_DECLARED_COOKIES) {
    throw new TypeError(
      `${caller}: more than ${MAX_DECLARED_COOKIES} cookie names declared with a purpose; cookie names must not be built from input`,
    );
  }
  declared.set(name, purpose);
}

/** The declared purpose of the cookie `name`, or `undefined` when it was never declared. */
export function declaredPurpose(name: string): CookiePurpose | undefined {
  return declared.get(name);
}
