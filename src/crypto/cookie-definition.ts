/**
 * `createCookie`: a reusable cookie definition — name, attributes and, with
 * secrets, signing or sealing — in the spirit of React Router's createCookie.
 */
import { checkOptionNames } from '../util/options.ts';
import { getCanonicalCookie } from '../cookie/canonical.ts';
import { getCookie, type CookieSource } from '../cookie/parse.ts';
import { parseJson } from '../util/parse-json.ts';
import { serializeDeletion } from '../cookie/headers.ts';
import { cookiePrefixOf, prefixDefaults, prefixedName } from '../cookie/prefix.ts';
import { declareCookiePurpose, type CookiePurpose } from '../cookie/purpose.ts';
import { COOKIE_OPTION_NAMES, serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import { createKeyring, type Keyring, type SecretsInput } from './keyring.ts';
import { seal, unseal } from './seal.ts';
import { sign, verify } from './sign.ts';

/** How a cookie's value is protected. */
export type CookieMode = 'plain' | 'signed' | 'sealed';

/** Options for {@link createCookie}: attributes plus protection. */
export interface CookieDefinitionOptions extends CookieOptions {
  /** Secrets or a keyring; required for `signed` and `sealed`. */
  secrets?: SecretsInput | Keyring;
  /**
   * `plain`: the string as is. `signed`: readable JSON with an HMAC.
   * `sealed`: encrypted JSON. Default: `signed` with secrets, else `plain`.
   */
  mode?: CookieMode;
  /**
   * Why the cookie exists (default `necessary`). A non-necessary cookie leaves
   * through `createConsent`'s check only when the visitor granted its purpose.
   * Declares the purpose for this name, for the whole process.
   */
  purpose?: CookiePurpose;
  /** What the cookie does, in words for visitors: the cookie policy table shows it. */
  description?: string;
}

/** A cookie definition made by {@link createCookie}. */
export interface CookieDefinition<T> {
  /** The cookie name as sent, prefix included. */
  readonly name: string;
  readonly mode: CookieMode;
  /** Why the cookie exists; `necessary` unless declared otherwise. */
  readonly purpose: CookiePurpose;
  /** What the cookie does, for the cookie policy table. */
  readonly description: string | undefined;
  /** The attributes every `serialize` starts from (prefix rules applied). */
  readonly attributes: Readonly<CookieOptions>;
  /** Reads the cookie; `null` when absent, tampered or expired. Never throws on input. */
  get(source: CookieSource): Promise<T | null>;
  /** A `Set-Cookie` value carrying `value`; signed/sealed values expire with the cookie. */
  serialize(value: T, overrides?: CookieOptions): Promise<string>;
  /** A `Set-Cookie` value that deletes the cookie (same Path/Domain/Secure). */
  delete(overrides?: CookieOptions): string;
}

/** The instant a cookie with these attributes expires, which its signed or sealed value then carries too. */
function expiryFromAttributes(options: CookieOptions, now: number): Date | undefined {
  if (options.maxAge !== undefined) return new Date(now + options.maxAge * 1000);
  return options.expires;
}

/**
 * Defines a cookie. With `secrets`, values are JSON and signed (or sealed with
 * `mode: 'sealed'`); the MAC binds the cookie name and expiry.
 *
 * @throws TypeError at definition time for bad attributes, a missing or short
 *   secret, an unknown mode or purpose, or a purpose other than the one the
 *   name was declared with before.
 */
export function createCookie<T = string>(
  name: string,
  options: CookieDefinitionOptions = {},
): CookieDefinition<T> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createCookie: options must be an object');
  checkOptionNames('createCookie', options, [
    ...COOKIE_OPTION_NAMES,
    'secrets',
    'mode',
    'purpose',
    'description',
  ]);
  const { secrets, mode: requestedMode, purpose, description, ...attributes } = options;
  const mode: CookieMode = requestedMode ?? (secrets === undefined ? 'plain' : 'signed');
  if (mode !== 'plain' && mode !== 'signed' && mode !== 'sealed') {
    throw new TypeError(`createCookie: option mode must be "plain", "signed" or "sealed"`);
  }
  if (mode !== 'plain' && secrets === undefined)
    throw new TypeError(`createCookie: option secrets is required for mode "${mode}"`);
  const keyring = secrets === undefined ? undefined : createKeyring(secrets);
  // Misconfiguration throws here, at definition time, not on first use.
  serializeCookie(name, '', attributes);
  const fullName = prefixedName(name, attributes.prefix);
  const { prefix: _prefix, ...base } = attributes;
  const baseAttributes: CookieOptions = { ...prefixDefaults(cookiePrefixOf(fullName)), ...base };
  if (purpose !== undefined) declareCookiePurpose(fullName, purpose, 'createCookie');
  if (description !== undefined && typeof description !== 'string')
    throw new TypeError('createCookie: option description must be a string');

  async function encode(value: T, expires: Date | undefined): Promise<string> {
    if (mode === 'plain') {
      if (typeof value !== 'string')
        throw new TypeError('createCookie: a plain cookie holds strings; use secrets for JSON');
      return value;
    }
    const expiry = expires === undefined ? {} : { expires };
    if (mode === 'sealed') return seal(keyring!, fullName, value, expiry);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('createCookie: value must be JSON-serializable');
    return sign(keyring!, fullName, json, expiry);
  }

  return {
    name: fullName,
    mode,
    purpose: purpose ?? 'necessary',
    description,
    attributes: Object.freeze({ ...baseAttributes }),
    async get(source) {
      if (mode === 'plain') return (getCookie(source, fullName) ?? null) as T | null;
      // A signed or sealed value is checked as spelled by serializeCookie, never another spelling of it.
      const raw = getCanonicalCookie(source, fullName);
      if (raw === undefined) return null;
      if (mode === 'sealed') return (await unseal(keyring!, fullName, raw)) as T | null;
      const json = await verify(keyring!, fullName, raw);
      if (json === null) return null;
      try {
        return parseJson(json) as T;
      } catch {
        return null;
      }
    },
    async serialize(value, overrides = {}) {
      const merged: CookieOptions = { ...baseAttributes, ...overrides };
      return serializeCookie(fullName, await encode(value, expiryFromAttributes(merged, Date.now())), merged);
    },
    delete(overrides = {}) {
      return serializeDeletion(fullName, { ...baseAttributes, ...overrides });
    },
  };
}
