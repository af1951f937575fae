/**
 * `createConsent`: cookie purposes enforced on the server. The visitor's
 * choice lives in a signed consent cookie; at the response's exit every
 * `Set-Cookie` line is matched by name to its declared purpose, and a line
 * whose purpose is not granted for this request is dropped, never sent
 * (ePrivacy Directive art. 5(3): non-necessary cookies need prior consent).
 * `Sec-GPC: 1` withdraws the purposes the app maps to selling or sharing
 * (CCPA/CPRA regulations, 11 CCR §7025), whatever the stored consent.
 */
import { appendSetCookie, editHeaders, type SetCookieTarget } from '../cookie/headers.ts';
import { globalPrivacyControl } from './gpc.ts';
import { getCookie } from '../cookie/parse.ts';
import { declaredPurpose, type ConsentPurpose, type CookiePurpose } from '../cookie/purpose.ts';
import { isDeletion, readSetCookie, type SetCookieLine } from '../cookie/set-cookie-line.ts';
import {
  resolveConsentOptions,
  type BlockReason,
  type ConsentOptions,
  type DeclaredCookie,
} from './options.ts';
import { consentPurposesOf, fromWire, toWire, type ConsentRecord } from './record.ts';
import { remember, reportHeaderValue, type CookieDecision } from './report.ts';

/** Made by {@link createConsent}. */
export interface Consent {
  readonly policyVersion: string;
  /** The consent cookie's name. */
  readonly cookieName: string;
  /** The declared cookies, the consent cookie first: for a cookie policy page. */
  readonly cookies: readonly DeclaredCookie[];
  /** The purposes `Sec-GPC: 1` withdraws. */
  readonly gpc: readonly ConsentPurpose[];
  /** The visitor's recorded choice; `null` when absent, tampered, expired or given under another policy version. */
  read(request: Request): Promise<ConsentRecord | null>;
  /** The purposes a response to this request may set cookies for: `necessary`, plus what was granted minus what GPC withdraws. */
  allowed(request: Request): Promise<ReadonlySet<CookiePurpose>>;
  /**
   * Records exactly `purposes` (a banner's "accept all", "decline" or "save
   * choices") and deletes the declared cookies of every other purpose.
   * Values that are not purposes needing consent are ignored.
   */
  set(target: SetCookieTarget, purposes: Iterable<CookiePurpose>): Promise<ConsentRecord>;
  /** Adds `purposes` to what the request's record grants. */
  grant(request: Request, target: SetCookieTarget, purposes: Iterable<CookiePurpose>): Promise<ConsentRecord>;
  /** Removes `purposes` from the request's record and deletes the declared cookies of those purposes. */
  withdraw(
    request: Request,
    target: SetCookieTarget,
    purposes: Iterable<CookiePurpose>,
  ): Promise<ConsentRecord>;
  /** Deletes the consent cookie and every declared cookie that needs consent: the visitor is asked again. */
  clear(target: SetCookieTarget): void;
  /**
   * Drops the response's `Set-Cookie` lines whose purpose is not allowed for
   * this request, adds deletions for declared cookies the request carries
   * without consent, and records what it did (`cookieReport`). Returns
   * `response`, or a copy when its headers were immutable.
   */
  enforce(request: Request, response: Response): Promise<Response>;
  /** Wraps a fetch handler (a `sessions.handle(…)` one too): its responses go through {@link Consent.enforce}. */
  handle<Args extends unknown[]>(
    handler: (request: Request, ...args: Args) => Response | Promise<Response>,
  ): (request: Request, ...args: Args) => Promise<Response>;
}

/**
 * Creates a consent configuration: the signed consent record, the app's
 * declared cookies and the check that keeps non-consented cookies off
 * responses.
 *
 * @throws TypeError at construction for bad options (the message names the option).
 */
export function createConsent(options: ConsentOptions): Consent {
  const resolved = resolveConsentOptions(options);
  const { cookie, cookies, policyVersion, gpc } = resolved;
  const needsConsent = cookies.filter((declared) => declared.purpose !== 'necessary');

  async function read(request: Request): Promise<ConsentRecord | null> {
    return fromWire(await cookie.get(request), policyVersion);
  }

  function allowedBy(record: ConsentRecord | null, request: Request): Set<CookiePurpose> {
    const allowed = new Set<CookiePurpose>(['necessary', ...(record?.purposes ?? [])]);
    // CCPA/CPRA regulations §7025: a GPC signal is an opt-out of sale/sharing, whatever was stored.
    if (globalPrivacyControl(request)) for (const purpose of gpc) allowed.delete(purpose);
    return allowed;
  }

  /** The choice in force for a response: the consent cookie it sets (a choice made now), else the request's. */
  async function recordFor(request: Request, lines: SetCookieLine[]): Promise<ConsentRecord | null> {
    const own = lines.findLast((line) => line.name === cookie.name);
    if (own === undefined) return read(request);
    if (isDeletion(own)) return null;
    return fromWire(await cookie.get(`${own.name}=${own.value}`), policyVersion);
  }

  function deleteDeclared(target: SetCookieTarget, which: (purpose: CookiePurpose) => boolean): void {
    for (const declared of needsConsent)
      if (which(declared.purpose)) appendSetCookie(target, declared.deletion);
  }

  async function write(target: SetCookieTarget, purposes: ConsentPurpose[]): Promise<ConsentRecord> {
    const record: ConsentRecord = { purposes, at: Date.now(), policyVersion };
    appendSetCookie(target, await cookie.serialize(toWire(record)));
    return record;
  }

  async function enforce(request: Request, response: Response): Promise<Response> {
    const lines = response.headers.getSetCookie();
    const carried = needsConsent.filter((declared) => getCookie(request, declared.name) !== undefined);
    if (lines.length === 0 && carried.length === 0) {
      remember(response, []);
      return response;
    }
    const parsed = lines.map((line) => readSetCookie(line));
    let allowed: Set<CookiePurpose> | undefined;
    // Consent is read (one HMAC, usually a memo hit) only when a line needs it.
    const isAllowed = async (purpose: CookiePurpose) =>
      purpose === 'necessary' ||
      (allowed ??= allowedBy(await recordFor(request, parsed), request)).has(purpose);

    const decisions: CookieDecision[] = [];
    const kept: string[] = [];
    const blocked: { name: string; purpose: CookiePurpose; reason: BlockReason }[] = [];
    for (const [index, line] of parsed.entries()) {
      const declared = declaredPurpose(line.name);
      const purpose = declared ?? 'necessary';
      let reason: BlockReason | undefined;
      // Removing a cookie never needs consent.
      if (isDeletion(line)) {
        decisions.push({ name: line.name, purpose, outcome: 'deleted' });
        kept.push(lines[index]!);
        continue;
      }
      if (declared === undefined && resolved.undeclared === 'block') reason = 'undeclared';
      else if (!(await isAllowed(purpose)))
        reason = gpc.has(purpose as ConsentPurpose) && globalPrivacyControl(request) ? 'gpc' : 'not-granted';
      if (reason === undefined) {
        decisions.push({ name: line.name, purpose, outcome: 'sent' });
        kept.push(lines[index]!);
      } else {
        decisions.push({ name: line.name, purpose, outcome: 'blocked', reason });
        blocked.push({ name: line.name, purpose, reason });
      }
    }
    // A cookie the visitor holds without consent (withdrawn, expired, older policy, GPC) is removed.
    const keptNames = new Set(kept.map((line) => readSetCookie(line).name));
    for (const declared of carried) {
      if (keptNames.has(declared.name) || (await isAllowed(declared.purpose))) continue;
      kept.push(declared.deletion);
      decisions.push({ name: declared.name, purpose: declared.purpose, outcome: 'deleted' });
    }

    for (const event of blocked) report(event, request);
    const changed = kept.length !== lines.length || blocked.length > 0;
    const result =
      changed || resolved.reportHeader !== undefined ? rewrite(response, kept, decisions) : response;
    remember(result, decisions);
    return result;
  }

  function report(event: { name: string; purpose: CookiePurpose; reason: BlockReason }, request: Request) {
    try {
      resolved.onBlocked({ ...event, request });
    } catch (error) {
      console.error(error); // a failing logger must not fail the response: the line is dropped either way
    }
  }

  /** Puts `kept` in place of the response's Set-Cookie lines (and the report header, if asked for). */
  function rewrite(response: Response, kept: string[], decisions: CookieDecision[]): Response {
    return editHeaders(response, replaceSetCookies, {
      kept,
      report: resolved.reportHeader !== undefined && decisions.length > 0 ? resolved.reportHeader : undefined,
      decisions,
    });
  }

  return {
    policyVersion,
    cookieName: cookie.name,
    cookies,
    gpc: [...gpc],
    read,
    async allowed(request) {
      return allowedBy(await read(request), request);
    },
    async set(target, purposes) {
      const granted = consentPurposesOf(purposes);
      deleteDeclared(target, (purpose) => !granted.includes(purpose as ConsentPurpose));
      return write(target, granted);
    },
    async grant(request, target, purposes) {
      const stored = (await read(request))?.purposes ?? [];
      return write(target, consentPurposesOf([...stored, ...purposes]));
    },
    async withdraw(request, target, purposes) {
      const withdrawn = new Set<unknown>(consentPurposesOf(purposes));
      const stored = (await read(request))?.purposes ?? [];
      deleteDeclared(target, (purpose) => withdrawn.has(purpose));
      return write(
        target,
        stored.filter((purpose) => !withdrawn.has(purpose)),
      );
    },
    clear(target) {
      deleteDeclared(target, () => true);
      appendSetCookie(target, cookie.delete());
    },
    enforce,
    handle(handler) {
      return async (request, ...args) => enforce(request, await handler(request, ...args));
    },
  };
}

/** Puts the kept Set-Cookie lines (and the report header, if asked for) on `headers`. */
function replaceSetCookies(
  headers: Headers,
  { kept, report, decisions }: { kept: string[]; report: string | undefined; decisions: CookieDecision[] },
): void {
  headers.delete('set-cookie');
  for (const line of kept) headers.append('set-cookie', line);
  if (report !== undefined) headers.set(report, reportHeaderValue(decisions));
}
