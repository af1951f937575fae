/**
 * The read cache: a short-lived sealed copy of the session record in a second
 * cookie (`<name>.cache`), so that most requests answer `get`/`has`/`info`
 * without waiting for the store — a Durable Object on another continent, or a
 * cold KV key. Writes still go to the store; the copy is rewritten or dropped
 * on every commit, so a request never reads its own stale write. What it
 * costs: a revocation from elsewhere (another device's "sign out", a
 * `revokeUserSessions`) takes effect within the copy's lifetime at most,
 * unless the store can answer a per-user revocation time (`checkRevocation`).
 *
 * It is made by `readCache()` rather than switched on by a plain option so
 * that apps without it do not bundle the sealing code.
 */
import { checkOptionNames } from '../../util/options.ts';
import { serializeDeletion } from '../../cookie/headers.ts';
import { getRawCookie } from '../../cookie/canonical.ts';
import { serializeCookie, type CookieOptions } from '../../cookie/serialize.ts';
import { MAX_SET_COOKIE_LINE } from '../../cookie/set-cookie-line.ts';
import { seal, unsealAt } from '../../crypto/seal.ts';
import type { ReadCache, RequestContext } from '../contracts.ts';
import { isRecordShape } from '../record.ts';
import type { SessionRecord } from '../types.ts';

/** Options of {@link readCache}. */
export interface ReadCacheOptions {
  /** How long a copy is used, in seconds (1 to 300). Default 30. */
  maxAge?: number;
  /**
   * On each cached read, ask the store when the user was last revoked
   * (`store.revokedAt`, one small read: KV, Redis and Memory stores have it), so a
   * "sign out everywhere" takes effect at once. Default false. A store
   * without `revokedAt` makes the manager throw a TypeError naming this option.
   */
  checkRevocation?: boolean;
}

/**
 * The read cache (README: "Read cache"): commit also writes a short-lived
 * sealed copy of the session record in a second cookie, and requests that
 * carry a fresh copy answer reads without the store. Writes still go to the
 * store. A revocation from elsewhere takes effect within `maxAge` at most,
 * or at once with `checkRevocation` on stores that have `revokedAt`.
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
    line: (context: RequestContext, key: string, record: SessionRecord) =>
      cacheLine(context, maxAgeMs, key, record),
    deletion: (context: RequestContext) =>
      serializeDeletion(cacheCookieName(context.cookie.name), context.cookie.attributes),
  });
}

/** The cache cookie's name for a session cookie name. */
const cacheCookieName = (name: string): string => `${name}.cache`;

/** What the cache cookie seals: the session's store key (binding it to this session) and the record. */
interface Sealed {
  k: string;
  r: SessionRecord;
}

function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const { k, r } = value as { k?: unknown; r?: unknown };
  return typeof k === 'string' && isRecordShape(r);
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
  return isSealed(opened) && opened.k === key ? opened.r : null;
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
): Promise<string | null> {
  const name = cacheCookieName(context.cookie.name);
  const now = context.policy.now;
  const expiresAt = Math.min(now + maxAgeMs, record.expiresAt);
  const payload: Sealed = { k: key, r: record };
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
