/**
 * The read cache: a short-lived sealed copy of the session record in a second
 * cookie (`<name>.cache`), so that most requests answer `get`/`has`/`info`
 * without waiting for the store — a Durable Object on another continent, or a
 * cold KV key. Writes still go to the store; the copy is rewritten or dropped
 * on every commit, so a request never reads its own stale write. What it
 * costs (OWASP ASVS 3.3.1: logout must invalidate the session): an end of
 * the session from elsewhere — a logout, `revokeSession`, the per-user cap,
 * a "sign out everywhere" — leaves a copied cookie pair reading for up to
 * the copy's lifetime, unless the store can say the session ended
 * (`checkRevocation`, one small read per cached request). A copy never
 * becomes a write: writes, `regenerate()` included, work on the store's record.
 *
 * A browser must never read older data than a response it has received: a
 * read-only request that loaded the record before a concurrent write landed
 * and answered after it would hand back a copy without that write. So every
 * commit that writes gives the browser a new random write version in a small
 * third cookie (`<name>.v`), every copy is stamped with the version its
 * request carried, and a copy is used only under the version it was made
 * with: the late read's copy carries the old one and is ignored.
 *
 * It is made by `readCache()` rather than switched on by a plain option so
 * that apps without it do not bundle the sealing code.
 */
import { checkOptionNames } from '../../util/options.ts';
import { serializeDeletion } from '../../cookie/headers.ts';
import { getRawCookie } from '../../cookie/canonical.ts';
import { serializeCookie, type CookieOptions } from '../../cookie/serialize.ts';
import { MAX_SET_COOKIE_LINE } from '../../cookie/set-cookie-line.ts';
import { encodeBase64url } from '../../crypto/base64url.ts';
import { seal, unsealAt } from '../../crypto/seal.ts';
import type { ReadCache, RequestContext } from '../contracts.ts';
import { isRecordShape } from '../record.ts';
import type { SessionRecord } from '../types.ts';

/** Options of {@link readCache}. */
export interface ReadCacheOptions {
  /** How long a copy is used, in seconds (1 to 300). Default 30. */
  maxAge?: number;
  /**
   * On each cached read, ask the store whether the session has ended since
   * the copy was made (`store.hasEnded`, one small read: KV, Redis and
   * Memory stores have it): destroyed, revoked, evicted by the per-user cap,
   * or its user signed out everywhere. A logout is then final at once for a
   * copied cookie pair too (on KV: once the end reaches the reading
   * location, about 60 s). Default false. A store without `hasEnded` makes
   * the manager throw a TypeError naming this option.
   */
  checkRevocation?: boolean;
}

/**
 * The read cache (README: "Read cache"): commit also writes a short-lived
 * sealed copy of the session record in a second cookie, and requests that
 * carry a fresh copy answer reads without the store. Writes still go to the
 * store. An end of the session from elsewhere takes effect within `maxAge`
 * at most, or at once with `checkRevocation` on stores that have `hasEnded`.
 *
 * ```ts
 * createSessionManager({ secrets, store, readCache: readCache({ maxAge: 30 }) });
 * ```
 *
 * @throws TypeError for a `maxAge` outside 1–300 seconds.
 */
export function readCache(options: ReadCacheOptions = {}): ReadCache {
  checkOptionNames('readCache', options, ['maxAge', 'checkRevocation']);
  const maxAge = options.maxAge ?? 30;
  if (!Number.isInteger(maxAge) || maxAge < 1 || maxAge > 300) {
    throw new TypeError('readCache: option maxAge must be a whole number of seconds from 1 to 300');
  }
  const maxAgeMs = maxAge * 1000;
  return Object.freeze({
    maxAgeMs,
    checkRevocation: options.checkRevocation === true,
    carried: cachedCookie,
    read: readCached,
    line: (context: RequestContext, key: string, record: SessionRecord, version: string) =>
      cacheLine(context, maxAgeMs, key, record, version),
    deletion: (context: RequestContext) =>
      serializeDeletion(cacheCookieName(context.cookie.name), context.cookie.attributes),
    version: carriedVersion,
    nextVersion: (context: RequestContext) => nextVersion(context, maxAge),
  });
}

/** The cache cookie's name for a session cookie name. */
const cacheCookieName = (name: string): string => `${name}.cache`;
/** The write version cookie's name. */
const versionCookieName = (name: string): string => `${name}.v`;
/** A write version: 64 random bits, base64url. */
const VERSION = /^[A-Za-z0-9_-]{11}$/;

/** The write version the request carries; `''` when none (or not one of ours). */
function carriedVersion(context: RequestContext): string {
  const header = context.cookieHeader;
  const raw = header === null ? undefined : getRawCookie(header, versionCookieName(context.cookie.name));
  return raw !== undefined && VERSION.test(raw) ? raw : '';
}

/**
 * A new write version and its Set-Cookie line. It lives as long as a copy
 * can (`maxAge`): once it is gone, so are the copies stamped with it.
 */
function nextVersion(context: RequestContext, maxAge: number): { version: string; line: string } {
  const version = encodeBase64url(crypto.getRandomValues(new Uint8Array(8)));
  const attributes: CookieOptions = { ...context.cookie.attributes, maxAge };
  return { version, line: serializeCookie(versionCookieName(context.cookie.name), version, attributes) };
}

/**
 * What the cache cookie seals: the session's store key (binding it to this
 * session), the record, and the write version the copy was made under.
 */
interface Sealed {
  k: string;
  r: SessionRecord;
  v: string;
}

function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const { k, r, v } = value as { k?: unknown; r?: unknown; v?: unknown };
  return typeof k === 'string' && typeof v === 'string' && isRecordShape(r);
}

/** The raw cache cookie of the request, if any. */
function cachedCookie(context: RequestContext): string | undefined {
  const header = context.cookieHeader;
  return header === null ? undefined : getRawCookie(header, cacheCookieName(context.cookie.name));
}

/** The cached record for the session stored under `key`, if the request carries a fresh copy of it. */
async function readCached(context: RequestContext, key: string): Promise<SessionRecord | null> {
  const raw = cachedCookie(context);
  if (raw === undefined) return null;
  const name = cacheCookieName(context.cookie.name);
  const opened = await unsealAt(context.keyring, name, raw, context.policy.now, MAX_SET_COOKIE_LINE);
  return isSealed(opened) && opened.k === key && opened.v === carriedVersion(context) ? opened.r : null;
}

/**
 * The Set-Cookie line carrying a copy of `record`, or null when it would not
 * fit in one cookie (the cache is then skipped, never truncated).
 */
async function cacheLine(
  context: RequestContext,
  maxAgeMs: number,
  key: string,
  record: SessionRecord,
  version: string,
): Promise<string | null> {
  const name = cacheCookieName(context.cookie.name);
  const now = context.policy.now;
  const expiresAt = Math.min(now + maxAgeMs, record.expiresAt);
  const payload: Sealed = { k: key, r: record, v: version };
  const sealed = await seal(context.keyring, name, payload, {
    expires: new Date(expiresAt),
    maxLength: Infinity,
  });
  if (name.length + 1 + sealed.length > MAX_SET_COOKIE_LINE) return null;
  const attributes: CookieOptions = {
    ...context.cookie.attributes,
    maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)),
  };
  const line = serializeCookie(name, sealed, attributes);
  return line.length <= MAX_SET_COOKIE_LINE ? line : null;
}
