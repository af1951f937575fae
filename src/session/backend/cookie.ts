/**
 * `CookieStore` and its backend: the whole session sealed into the cookie
 * instead of a server-side store. The backend is registered for each
 * `CookieStore` made, so the engine reaches it (and the sealing code) only
 * through a store the app made. Above one cookie's worth the sealed session
 * is split into `name.0`, `name.1`, … (RFC 6265bis §5.7 caps each cookie at
 * 4096 bytes); chunks the request carried and the response no longer needs
 * are expired.
 */
import { checkOptionNames } from '../../util/options.ts';
import { AS_SENT, getRawCookie } from '../../cookie/canonical.ts';
import { serializeDeletion } from '../../cookie/headers.ts';
import { parseCookies, type Cookies } from '../../cookie/parse.ts';
import { serializeCookie, type CookieOptions } from '../../cookie/serialize.ts';
import { MAX_SET_COOKIE_LINE } from '../../cookie/set-cookie-line.ts';
import { expirySeconds } from '../../crypto/bytes.ts';
import { keyringImpl } from '../../crypto/keyring.ts';
import { sealJson, unsealAt, unsealRemembered } from '../../crypto/seal.ts';
import {
  registerBackend,
  type CommitPlan,
  type CommitResult,
  type LoadedSession,
  type LoadResult,
  type OwnBackendOptions,
  type RequestContext,
  type SessionBackend,
} from '../contracts.ts';
import { isSessionId, newSessionId } from '../id.ts';
import { applyPatch, emptyRecord, isRecordShape, renewRecord } from '../record.ts';
import type { SessionRecord } from '../types.ts';

const chunkName = (name: string, index: number): string => `${name}.${index}`;
const INVALID: LoadResult = Object.freeze({ verdict: 'invalid', session: null });

/** The sealed text in chunks headed by their count, or null. */
function readChunks(cookies: Cookies, name: string, maxChunks: number): string | null {
  const head = cookies[chunkName(name, 0)];
  if (head === undefined) return null;
  const dot = head.indexOf('.');
  const count = Number(head.slice(0, dot));
  if (dot < 1 || !Number.isInteger(count) || count < 1 || count > maxChunks) return null;
  let sealed = head.slice(dot + 1);
  for (let i = 1; i < count; i++) {
    const part = cookies[chunkName(name, i)];
    if (part === undefined) return null; // a missing chunk: the session is unreadable
    sealed += part;
  }
  return sealed;
}

/** Whether an unsealed payload has the shape this backend seals: `{ id, record }`. */
function isSealedSession(value: unknown): value is { id: string; record: SessionRecord } {
  if (typeof value !== 'object' || value === null) return false;
  const { id, record } = value as { id?: unknown; record?: unknown };
  return isSessionId(id) && isRecordShape(record);
}

function lineLength(name: string, value: string, attributes: CookieOptions): number {
  return serializeCookie(name, '', attributes).length + value.length;
}

/** Sealed text each chunk can carry: the longest chunk name bounds every line; chunk 0 also carries "count.". */
function chunkRoom(name: string, attributes: CookieOptions, maxChunks: number): number {
  return (
    MAX_SET_COOKIE_LINE - lineLength(chunkName(name, maxChunks), '', attributes) - `${maxChunks}.`.length
  );
}

/** Splits sealed text into chunks whose Set-Cookie lines fit in 4096 bytes. */
function split(sealed: string, room: number): string[] {
  const count = Math.ceil(sealed.length / room);
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) chunks.push(sealed.slice(i * room, (i + 1) * room));
  chunks[0] = `${count}.${chunks[0]}`;
  return chunks;
}

/** One request's view of a cookie-kept session. */
export class CookieBackend implements SessionBackend {
  readonly #context: RequestContext;
  readonly #maxChunks: number;
  #cookies: Cookies | undefined;

  constructor(context: RequestContext, maxChunks: number) {
    this.#context = context;
    this.#maxChunks = maxChunks;
  }

  #incoming(): Cookies {
    // As sent: the sealed text has one spelling (base64url), any other is refused.
    return (this.#cookies ??= parseCookies(this.#context.cookieHeader, AS_SENT));
  }

  /**
   * The session cookie as sent, when whole (`getCookie` agrees with
   * `parseCookies`, without parsing every cookie of the header). The engine
   * has read it already when the session travels in cookies.
   */
  #whole(): string | undefined {
    const context = this.#context;
    return context.transport === 'cookie'
      ? context.sessionToken
      : getRawCookie(context.cookieHeader, context.cookie.name);
  }

  /** Whether the request may carry chunks: only a header holding `name.` can. */
  #mayHaveChunks(): boolean {
    return this.#context.cookieHeader?.includes(`${this.#context.cookie.name}.`) === true;
  }

  /** Unseals the session from the request's cookies. */
  async load(): Promise<LoadResult> {
    const session = await this.#open();
    return session === null ? INVALID : { verdict: 'valid', session };
  }

  /**
   * `load` at once when no decryption is needed: a cookie this process sealed
   * or opened before (the keyring's memo), whose store key is known.
   */
  loadNow(): LoadResult | undefined {
    const sealed = this.#sealed();
    if (sealed === null) return INVALID;
    const { keyring, cookie, policy, keys } = this.#context;
    const opened = unsealRemembered(keyring, cookie.name, sealed, policy.now, this.#capacity());
    if (opened === undefined) return undefined;
    if (!isSealedSession(opened)) return INVALID;
    const key = keys.cached(opened.id);
    return key === undefined
      ? undefined
      : { verdict: 'valid', session: { id: opened.id, key, record: opened.record } };
  }

  /** The sealed text the request carries, whole or in chunks; null when absent or incomplete. */
  #sealed(): string | null {
    return (
      this.#whole() ??
      (this.#mayHaveChunks()
        ? readChunks(this.#incoming(), this.#context.cookie.name, this.#maxChunks)
        : null)
    );
  }

  /** The sealed session, or null when absent, incomplete or tampered. */
  async #open(): Promise<LoadedSession | null> {
    const sealed = this.#sealed();
    if (sealed === null) return null;
    const { keyring, cookie, policy } = this.#context;
    const opened = await unsealAt(keyring, cookie.name, sealed, policy.now, this.#capacity());
    if (!isSealedSession(opened)) return null;
    // The key is the session's handle (no store uses it here).
    const keys = this.#context.keys;
    return {
      id: opened.id,
      key: keys.cached(opened.id) ?? (await keys.of(opened.id)),
      record: opened.record,
    };
  }

  /** Seals the session's new state into cookies, or clears them. */
  async commit(plan: CommitPlan): Promise<CommitResult> {
    const result: CommitResult = { setCookies: [], live: undefined, startedOver: false, removed: [] };
    const write = plan.write;
    const keys = this.#context.keys;
    if (write?.kind === 'create')
      result.live = { id: write.id, key: await keys.of(write.id), record: write.record };
    else if (write?.kind === 'move') {
      // The sealed cookie is the only copy: renewed from it, or fresh when it is no longer live.
      const renewed = renewRecord(write.from.record, write.patch);
      result.live = { id: write.id, key: await keys.of(write.id), record: renewed ?? write.fresh };
      result.startedOver = renewed === null;
    } else if (write?.kind === 'patch') {
      const target = write.target ?? (await this.#open());
      const record = target ? applyPatch(target.record, write.patch) : null;
      if (target && record) result.live = { ...target, record };
      else {
        // No live session behind the cookie: the writes start a new one, with a new id.
        const policy = this.#context.policy;
        const id = newSessionId();
        result.live = {
          id,
          key: await keys.of(id),
          record: applyPatch(emptyRecord(policy.now, policy), write.patch)!,
        };
        result.startedOver = true;
      }
    }
    if (result.live) await this.#write(result.live, result.setCookies);
    else if (plan.clearCookie || plan.remove.length > 0) {
      this.#clearAll(result.setCookies, false, 0);
      result.live = null;
    }
    return result;
  }

  /** The longest sealed text a request may carry: what `maxChunks` full cookies hold. */
  #capacity(): number {
    return this.#maxChunks * MAX_SET_COOKIE_LINE;
  }

  async #write(session: LoadedSession, lines: string[]): Promise<void> {
    const context = this.#context;
    const { name } = context.cookie;
    const record = session.record;
    const attributes = context.cookieAttributes(record);
    // The line without a value, serialized once: sealed text is base64url,
    // which serializeCookie would write as is, right after the first `=`.
    const empty = serializeCookie(name, '', attributes);
    // Not through seal(): its checks of name, data and options were made
    // when this store and its cookie were configured.
    const sealed = await sealJson(
      keyringImpl(context.keyring, 'seal'),
      name,
      JSON.stringify({ id: session.id, record }),
      expirySeconds(new Date(record.expiresAt), 'seal'),
    );
    if (empty.length + sealed.length <= MAX_SET_COOKIE_LINE) {
      const eq = empty.indexOf('=') + 1;
      lines.push(empty.slice(0, eq) + sealed + empty.slice(eq));
      this.#clearAll(lines, true, 0);
    } else {
      const room = chunkRoom(name, attributes, this.#maxChunks);
      const limit = room * this.#maxChunks;
      // Whatever is written must read back (the limit is enforced here, loudly):
      // a session that does not fit is an error of the handler's, not a logout.
      if (sealed.length > limit) {
        throw new TypeError(
          `CookieStore: this session seals to ${sealed.length} characters and needs ${Math.ceil(sealed.length / room)} cookies, ` +
            `more than maxChunks (${this.#maxChunks}), which hold ${limit}. ` +
            'Keep less in the session, raise maxChunks, or use a server-side store.',
        );
      }
      const parts = split(sealed, room);
      parts.forEach((part, i) => lines.push(serializeCookie(chunkName(name, i), part, attributes)));
      this.#clearAll(lines, false, parts.length);
    }
  }

  /**
   * Expires every session cookie the request carried except those just
   * written: the whole cookie (`keepWhole`) or chunks 0 to `keepChunks` - 1.
   */
  #clearAll(lines: string[], keepWhole: boolean, keepChunks: number): void {
    const { name, attributes } = this.#context.cookie;
    if (!this.#mayHaveChunks()) {
      // The usual request: only the whole cookie can be there.
      if (!keepWhole && this.#whole() !== undefined) lines.push(serializeDeletion(name, attributes));
      return;
    }
    const prefix = `${name}.`;
    for (const cookie of Object.keys(this.#incoming())) {
      if (cookie === name) {
        if (!keepWhole) lines.push(serializeDeletion(cookie, attributes));
        continue;
      }
      const index = cookie.startsWith(prefix) ? cookie.slice(prefix.length) : '';
      if (!/^\d+$/.test(index)) continue;
      // Written just now only under the exact name `name.<index>` (not `name.01`).
      if (String(Number(index)) === index && Number(index) < keepChunks) continue;
      lines.push(serializeDeletion(cookie, attributes));
    }
  }
}

/** Options for {@link CookieStore}. */
export interface CookieStoreOptions {
  /** Most cookies one session may use; committing more throws. Default 10. */
  maxChunks?: number;
}

/**
 * The options that need records on the server: a cookie session keeps no
 * server state for a token to name, a replaced value to be checked against
 * or a device key to be kept with.
 */
function refuseServerSideOptions(options: OwnBackendOptions): void {
  const option =
    options.transport.header !== undefined
      ? 'sessionToken'
      : options.rotation !== undefined
        ? 'rotation'
        : options.deviceBoundSessions
          ? 'deviceBoundSessions'
          : undefined;
  if (option === undefined) return;
  throw new TypeError(
    `createSessionManager: option ${option} needs a server-side store, not CookieStore (a cookie session ` +
      `keeps no server state for it); drop ${option} or use a server-side store`,
  );
}

/**
 * Keeps the session in the client's cookies, sealed (AES-256-GCM) with the
 * manager's secrets and split into `name.0`, `name.1`, … above one cookie's
 * worth. Stateless and revocation-free: `destroy()` clears the cookies of
 * this browser, but a copied cookie stays valid until its timeout.
 */
export class CookieStore {
  readonly maxChunks: number;

  constructor(options: CookieStoreOptions = {}) {
    checkOptionNames('CookieStore', options, ['maxChunks']);
    const maxChunks = options.maxChunks ?? 10;
    if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 50) {
      throw new TypeError('CookieStore: option maxChunks must be a whole number from 1 to 50');
    }
    this.maxChunks = maxChunks;
    registerBackend(this, {
      open: (context) => new CookieBackend(context, maxChunks),
      check: refuseServerSideOptions,
    });
  }
}
