/** `createConsent` options: their types, defaults and validation (misconfiguration throws, naming the option). */
import { serializeDeletion, type DeleteCookieOptions } from '../cookie/headers.ts';
import { prefixedName } from '../cookie/prefix.ts';
import {
  declareCookiePurpose,
  isConsentPurpose,
  type ConsentPurpose,
  type CookiePurpose,
} from '../cookie/purpose.ts';
import { COOKIE_OPTION_NAMES, type CookieOptions } from '../cookie/serialize.ts';
import { checkOptionNames } from '../util/options.ts';
import { createCookie, type CookieDefinition } from '../crypto/cookie-definition.ts';
import { createKeyring, type Keyring, type SecretsInput } from '../crypto/keyring.ts';

/** A cookie the app sets, declared by name (for cookies not made with `createCookie`). */
export interface CookieDeclaration extends DeleteCookieOptions {
  /** The name as your code passes it (`prefix` is applied, as `setCookie` does). */
  name: string;
  purpose: CookiePurpose;
  /** What it does, in words for visitors (the cookie policy table). */
  description?: string;
  /** Its lifetime in seconds, for the policy table; omit for a cookie that ends with the browser session. */
  maxAge?: number;
}

/** A declared cookie as the consent configuration keeps it. */
export interface DeclaredCookie {
  /** The name as sent, prefix included. */
  readonly name: string;
  readonly purpose: CookiePurpose;
  readonly description: string | undefined;
  /** `Max-Age` in seconds, an `Expires` date, or `undefined` for a browser-session cookie. */
  readonly lifetime: number | Date | undefined;
  /** The `Set-Cookie` line that deletes it (same Path and Domain). */
  readonly deletion: string;
}

/** Why a `Set-Cookie` line was dropped. */
export type BlockReason = 'not-granted' | 'gpc' | 'undeclared';

/** What `onBlocked` hears about a dropped `Set-Cookie` line. */
export interface BlockedCookie {
  readonly name: string;
  readonly purpose: CookiePurpose;
  /**
   * `not-granted`: the visitor has not consented to the purpose (or did under
   * another policy version). `gpc`: `Sec-GPC: 1` withdrew it. `undeclared`:
   * the name has no declared purpose and `undeclared` is `'block'`.
   */
  readonly reason: BlockReason;
  readonly request: Request;
}

/** Attributes of the consent cookie. */
export interface ConsentCookieOptions extends Omit<CookieOptions, 'expires'> {
  /** Default `consent`. */
  name?: string;
}

/** Options for `createConsent`. */
export interface ConsentOptions {
  /** Secrets (≥ 32 bytes each, newest first) or a keyring: the consent record is signed. */
  secrets: SecretsInput | Keyring;
  /**
   * The version of your cookie policy. A record given under another version
   * counts as no consent, so changing it asks every visitor again.
   */
  policyVersion: string;
  /**
   * The cookies your app sets: definitions from `createCookie` or
   * declarations. Their purposes are declared; `withdraw` deletes them; the
   * policy table lists them; a response deletes those the request still
   * carries once their purpose is no longer allowed.
   */
  cookies?: ReadonlyArray<CookieDefinition<any> | CookieDeclaration>;
  /**
   * The purposes `Sec-GPC: 1` withdraws, whatever the stored consent: those
   * your app counts as selling or sharing personal information. Default
   * `['marketing']`.
   */
  gpc?: readonly ConsentPurpose[];
  /**
   * The consent cookie. Default: `consent`, `Path=/`, `SameSite=Lax`,
   * `HttpOnly`, `Secure`, `Max-Age` 180 days.
   */
  cookie?: ConsentCookieOptions;
  /**
   * The purpose of a cookie whose name was never declared: `'necessary'`
   * (default) or `'block'` (dropped: only declared cookies leave).
   */
  undeclared?: 'necessary' | 'block';
  /**
   * A dropped line is never sent. `'warn'` (default): `console.warn` naming
   * the cookie, its purpose and why, once per cookie and reason per process —
   * for development. `'silent'`: nothing, for production. Or a function, for
   * your logger.
   */
  onBlocked?: 'warn' | 'silent' | ((event: BlockedCookie) => void);
  /**
   * A response header listing each cookie of the response as
   * `name=purpose`, with `;deleted` or `;blocked=reason`. Off by default: for
   * development and tests.
   */
  reportHeader?: string;
}

/** The options with defaults applied and checked. */
export interface ResolvedConsentOptions {
  readonly policyVersion: string;
  readonly cookie: CookieDefinition<unknown>;
  readonly cookies: readonly DeclaredCookie[];
  readonly gpc: ReadonlySet<ConsentPurpose>;
  readonly undeclared: 'necessary' | 'block';
  readonly onBlocked: (event: BlockedCookie) => void;
  readonly reportHeader: string | undefined;
}

const DAY = 24 * 60 * 60;
/** Six months: how long a choice is kept before the visitor is asked again. */
export const CONSENT_MAX_AGE = 180 * DAY;
const MAX_POLICY_VERSION = 64;

function fail(option: string, message: string): never {
  throw new TypeError(`createConsent: option ${option} ${message}`);
}

const CONSENT_OPTION_NAMES = [
  'secrets',
  'policyVersion',
  'cookies',
  'gpc',
  'cookie',
  'undeclared',
  'onBlocked',
  'reportHeader',
];
const DECLARATION_NAMES = [
  'name',
  'purpose',
  'description',
  'maxAge',
  'domain',
  'path',
  'secure',
  'sameSite',
  'partitioned',
  'httpOnly',
  'prefix',
];

/** Checks the options and builds the consent cookie; throws a TypeError naming the option. */
export function resolveConsentOptions(options: ConsentOptions): ResolvedConsentOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createConsent: options are required');
  checkOptionNames('createConsent', options, CONSENT_OPTION_NAMES);
  if (options.cookie !== undefined && options.cookie !== null && typeof options.cookie === 'object')
    checkOptionNames(
      'createConsent',
      options.cookie,
      ['name', ...COOKIE_OPTION_NAMES.filter((n) => n !== 'expires')],
      {},
      'cookie.',
    );
  const { secrets, policyVersion, gpc = ['marketing'], undeclared = 'necessary', reportHeader } = options;
  if (secrets === undefined) fail('secrets', 'is required (the consent record is signed)');
  if (typeof policyVersion !== 'string' || policyVersion === '' || policyVersion.length > MAX_POLICY_VERSION)
    fail('policyVersion', `must be a string of 1 to ${MAX_POLICY_VERSION} characters`);
  if (!Array.isArray(gpc) || !gpc.every(isConsentPurpose))
    fail('gpc', 'must list purposes that need consent: "preferences", "analytics", "marketing"');
  if (undeclared !== 'necessary' && undeclared !== 'block')
    fail('undeclared', 'must be "necessary" or "block"');
  if (reportHeader !== undefined) {
    try {
      new Headers([[reportHeader, '']]);
    } catch {
      fail('reportHeader', 'must be a header name');
    }
  }
  if (options.cookies !== undefined && !Array.isArray(options.cookies)) fail('cookies', 'must be an array');
  const keyring = wrap('secrets', () => createKeyring(secrets));
  const { name = 'consent', ...attributes } = options.cookie ?? {};
  const cookie = wrap('cookie', () =>
    createCookie<unknown>(name, {
      path: '/',
      sameSite: 'Lax',
      httpOnly: true,
      secure: true,
      maxAge: CONSENT_MAX_AGE,
      ...attributes,
      secrets: keyring,
      mode: 'signed',
      purpose: 'necessary',
      description: 'Remembers your cookie choices.',
    }),
  );
  const cookies = [declared(cookie), ...(options.cookies ?? []).map((entry, index) => declare(entry, index))];
  return {
    policyVersion,
    cookie,
    cookies,
    gpc: new Set(gpc),
    undeclared,
    onBlocked: blockedHandler(options.onBlocked),
    reportHeader,
  };
}

/** Runs `build`, prefixing its TypeError with the option it came from. */
function wrap<T>(option: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof TypeError) fail(option, `is invalid: ${error.message}`);
    throw error;
  }
}

function declared(definition: CookieDefinition<unknown>): DeclaredCookie {
  const { maxAge, expires } = definition.attributes;
  return {
    name: definition.name,
    purpose: definition.purpose,
    description: definition.description,
    lifetime: maxAge ?? expires,
    deletion: definition.delete(),
  };
}

function declare(entry: CookieDefinition<any> | CookieDeclaration, index: number): DeclaredCookie {
  const option = `cookies[${index}]`;
  if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string')
    fail(option, 'must be a createCookie definition or { name, purpose }');
  if ('attributes' in entry && typeof entry.delete === 'function') return declared(entry);
  checkOptionNames('createConsent', entry, DECLARATION_NAMES, {}, `${option}.`);
  const { name, purpose, description, maxAge, ...deletion } = entry as CookieDeclaration;
  if (description !== undefined && typeof description !== 'string')
    fail(option, 'description must be a string');
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0))
    fail(option, 'maxAge must be a whole number of seconds');
  const fullName = prefixedName(name, deletion.prefix);
  declareCookiePurpose(fullName, purpose, 'createConsent', `${option}.purpose`);
  return {
    name: fullName,
    purpose,
    description,
    lifetime: maxAge,
    deletion: wrap(option, () => serializeDeletion(name, deletion)),
  };
}

/** Dropped-line reports go to the app's function, to a warning once per cookie and reason, or nowhere. */
function blockedHandler(option: ConsentOptions['onBlocked']): (event: BlockedCookie) => void {
  if (typeof option === 'function') return option;
  if (option === 'silent') return () => {};
  if (option !== undefined && option !== 'warn') fail('onBlocked', 'must be "warn", "silent" or a function');
  const warned = new Set<string>();
  return ({ name, purpose, reason }) => {
    const key = `${name}\u0000${reason}`;
    // Bounded: names come from the app's code, but a warning per distinct name is all that is useful.
    if (warned.has(key) || warned.size >= 1000) return;
    warned.add(key);
    console.warn(`tesserajs: did not send cookie "${name}" (purpose ${purpose}): ${REASONS[reason]}`);
  };
}

const REASONS: Record<BlockReason, string> = {
  'not-granted': 'the visitor has not consented to that purpose under the current policy version',
  gpc: 'the request carries Sec-GPC: 1, which withdraws that purpose',
  undeclared: 'its purpose is not declared and createConsent has undeclared: "block"',
};
