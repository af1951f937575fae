/**
 * Checks of the manager's feature options — the session token transport,
 * the read cache, what `metadata` returns — split from options.ts, which
 * holds the types, defaults and the overall check.
 */
import type { DeviceBoundSessions, ReadCache } from '../contracts.ts';
import type { SessionRecord } from '../types.ts';
import { isToken } from '../../util/token.ts';
import { checkOptionNames, isOptionsObject } from '../../util/options.ts';

/** Values the `metadata` option may record per session. */
export type SessionMetadata = NonNullable<SessionRecord['meta']>;

/** Longest `metadata` a session may carry, as JSON. */
export const MAX_METADATA_LENGTH = 1024;

/** Options of `sessionToken`: where a session token may come from. */
export interface SessionTokenOptions {
  /** The request header carrying the token. `authorization` means the Bearer scheme. */
  header: string;
  /** Keep accepting (and setting) the session cookie too. Default true. */
  cookie?: boolean;
}

/** Where a session may come from: a header (lower case, Bearer scheme or whole value), cookies. */
export interface Transport {
  header: string | undefined;
  bearer: boolean;
  cookie: boolean;
}

export function readCacheOf(option: ReadCache | undefined): ReadCache | undefined {
  if (option === undefined) return undefined;
  const made = option as Partial<ReadCache> | null;
  if (typeof made?.read !== 'function' || typeof made.line !== 'function') {
    throw new TypeError(
      "createSessionManager: option readCache must be made by readCache() (import { readCache } from 'tesserajs'), e.g. readCache: readCache({ maxAge: 30 })",
    );
  }
  return option;
}

export function deviceBoundOf(option: DeviceBoundSessions | undefined): DeviceBoundSessions | undefined {
  if (option === undefined) return undefined;
  const made = option as Partial<DeviceBoundSessions> | null;
  if (typeof made?.serve !== 'function' || typeof made.guard !== 'function') {
    throw new TypeError(
      "createSessionManager: option deviceBoundSessions must be made by deviceBoundSessions() (import { deviceBoundSessions } from 'tesserajs'), e.g. deviceBoundSessions: deviceBoundSessions({ cookie: { maxAge: 600 } })",
    );
  }
  return option;
}

// RFC 9110 §5.1: field names are tokens.
export function transportOf(option: SessionTokenOptions | undefined): Transport {
  if (option === undefined) return { header: undefined, bearer: false, cookie: true };
  if (isOptionsObject(option))
    checkOptionNames('createSessionManager', option, ['header', 'cookie'], {}, 'sessionToken.');
  if (
    typeof option !== 'object' ||
    option === null ||
    typeof option.header !== 'string' ||
    !isToken(option.header)
  ) {
    throw new TypeError('createSessionManager: option sessionToken.header must be an HTTP header name');
  }
  const header = option.header.toLowerCase();
  if (header === 'cookie' || header === 'set-cookie') {
    throw new TypeError('createSessionManager: option sessionToken.header must not be a cookie header');
  }
  if (option.cookie !== undefined && typeof option.cookie !== 'boolean') {
    throw new TypeError('createSessionManager: option sessionToken.cookie must be a boolean');
  }
  return { header, bearer: header === 'authorization', cookie: option.cookie !== false };
}

/** Checks what the `metadata` option returned: flat JSON values, at most {@link MAX_METADATA_LENGTH} as JSON. */
export function checkMetadata(value: unknown): SessionMetadata | undefined {
  if (value === undefined) return undefined;
  const fail = (why: string): never => {
    throw new TypeError(`createSessionManager: option metadata returned ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('something other than an object');
  const meta: SessionMetadata = {};
  for (const [key, item] of Object.entries(value as object)) {
    if (
      item !== null &&
      !['string', 'boolean'].includes(typeof item) &&
      !(typeof item === 'number' && Number.isFinite(item))
    ) {
      fail(`a value for "${key}" that is not a string, finite number, boolean or null`);
    }
    Object.defineProperty(meta, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  const length = JSON.stringify(meta).length;
  if (length > MAX_METADATA_LENGTH) fail(`${length} characters of JSON, over ${MAX_METADATA_LENGTH}`);
  return meta;
}
