/**
 * `CookieStore`: the whole session sealed (AES-256-GCM) into the cookie. No
 * server state, so nothing can be revoked before it expires; above one
 * cookie's worth it is split into `name.0`, `name.1`, … (RFC 6265bis §5.7
 * caps each cookie at 4096 bytes).
 */
import { parseCookies, type Cookies } from '../cookie/parse.ts';
import { serializeCookie, type CookieOptions } from '../cookie/serialize.ts';
import { seal, unseal } from '../crypto/seal.ts';
import { attributesFor, clearCookie, writeCookie, type RequestContext, type SetCookieLines } from './context.ts';
import { isSessionId } from './id.ts';
import { applyPatch } from './record.ts';
import type { CommittableSession, LoadedSession } from './session.ts';
import type { SessionRecord } from './types.ts';

/** Options for {@link CookieStore}. */
export interface CookieStoreOptions {
  /** Most cookies one session may use; committing more throws. Default 10. */
  maxChunks?: number;
}

/** Bytes allowed per Set-Cookie line, attributes included. */
const MAX_LINE = 4096;

/**
 * Keeps the session in the client's cookies, sealed with the manager's
 * secrets. Stateless and revocation-free: `destroy()` clears the cookies of
 * this browser, but a copied cookie stays valid until its timeout.
 */
export class CookieStore {
  /** Distinguishes this from a server-side `SessionStore`. */
  readonly kind = 'cookie' as const;
  readonly maxChunks: number;

  constructor(options: CookieStoreOptions = {}) {
    const maxChunks = options.maxChunks ?? 10;
    if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 50) {
      throw new TypeError('CookieStore: option maxChunks must be a whole number from 1 to 50');
    }
    this.maxChunks = maxChunks;
  }
}

/** Whether a store option value is a `CookieStore`. */
export function isCookieStore(store: unknown): store is CookieStore {
  return store instanceof CookieStore;
}

const chunkName = (name: string, index: number): string => `${name}.${index}`;

/** The sealed text in the request: one cookie, or chunks headed by their count. */
function readSealed(cookies: Cookies, name: string, maxChunks: number): string | null {
  const single = cookies[name];
  if (single !== undefined) return single;
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

function isRecord(value: unknown): value is { id: string; record: SessionRecord } {
  if (typeof value !== 'object' || value === null) return false;
  const { id, record } = value as { id?: unknown; record?: Partial<SessionRecord> };
  return (
    isSessionId(id) && typeof record === 'object' && record !== null &&
    typeof record.data === 'object' && record.data !== null && typeof record.flash === 'object' && record.flash !== null &&
    typeof record.createdAt === 'number' && typeof record.lastSeenAt === 'number' && typeof record.expiresAt === 'number'
  );
}

/** Per-request cookie-store state: what the request carried. */
export class CookieSessionIO {
  readonly #context: RequestContext;
  readonly #store: CookieStore;
  #cookies: Cookies | undefined;

  constructor(context: RequestContext, store: CookieStore) {
    this.#context = context;
    this.#store = store;
  }

  #incoming(): Cookies {
    return (this.#cookies ??= parseCookies(this.#context.request.headers.get('cookie')));
  }

  /** Unseals the session from the request's cookies; null when absent or tampered. */
  async load(): Promise<LoadedSession | null> {
    const { name } = this.#context.cookie;
    const sealed = readSealed(this.#incoming(), name, this.#store.maxChunks);
    if (sealed === null) return null;
    const opened = await unseal(this.#context.keyring, name, sealed, { now: this.#context.clock.now });
    return isRecord(opened) ? { id: opened.id, key: '', record: opened.record } : null;
  }

  /** Writes the session's new state as cookies (and clears stale ones); true when the response must not be cached. */
  async commit(session: CommittableSession, lines: SetCookieLines): Promise<boolean> {
    const plan = session.plan();
    let next: LoadedSession | null = null;
    const write = plan.write;
    if (write?.kind === 'create') next = { id: write.id, key: '', record: write.record };
    else if (write?.kind === 'patch') {
      const target = write.target ?? (await this.load());
      const record = target ? applyPatch(target.record, write.patch) : null;
      if (target && record) next = { ...target, record };
      else {
        const fresh = session.startOver();
        next = { id: fresh.id, key: '', record: fresh.record };
      }
    }
    if (next !== null) await this.#write(next, lines);
    else if (plan.clearCookie || plan.remove.length > 0) this.#clearAll(lines, new Set());
    session.committed(next);
    return plan.noStore;
  }

  async #write(session: LoadedSession, lines: SetCookieLines): Promise<void> {
    const context = this.#context;
    const { name } = context.cookie;
    const record = session.record;
    const sealed = await seal(context.keyring, name, { id: session.id, record }, { expires: new Date(record.expiresAt) });
    const attributes = attributesFor(context, record.createdAt);
    const written = new Set<string>();
    if (lineLength(name, sealed, attributes) <= MAX_LINE) {
      writeCookie(lines, name, sealed, attributes);
      written.add(name);
    } else {
      const chunks = split(name, sealed, attributes, this.#store.maxChunks);
      chunks.forEach((part, i) => {
        writeCookie(lines, chunkName(name, i), part, attributes);
        written.add(chunkName(name, i));
      });
    }
    this.#clearAll(lines, written);
  }

  /** Expires every session cookie the request carried except `keep`. */
  #clearAll(lines: SetCookieLines, keep: Set<string>): void {
    const { name, attributes } = this.#context.cookie;
    const incoming = this.#incoming();
    const prefix = `${name}.`;
    for (const cookie of Object.keys(incoming)) {
      if (keep.has(cookie)) continue;
      if (cookie === name || (cookie.startsWith(prefix) && /^\d+$/.test(cookie.slice(prefix.length)))) {
        clearCookie(lines, cookie, attributes);
      }
    }
  }
}

function lineLength(name: string, value: string, attributes: CookieOptions): number {
  return serializeCookie(name, '', attributes).length + value.length;
}

/** Splits sealed text into chunks whose Set-Cookie lines fit in 4096 bytes. */
function split(name: string, sealed: string, attributes: CookieOptions, maxChunks: number): string[] {
  // The longest chunk name bounds every line; chunk 0 also carries "count.".
  const room = MAX_LINE - lineLength(chunkName(name, maxChunks), '', attributes) - `${maxChunks}.`.length;
  const count = Math.ceil(sealed.length / room);
  if (count > maxChunks) {
    throw new Error(
      `CookieStore: this session seals to ${sealed.length} bytes and needs ${count} cookies, more than maxChunks (${maxChunks}). ` +
        'Keep less in the session, raise maxChunks, or use a server-side store.',
    );
  }
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) chunks.push(sealed.slice(i * room, (i + 1) * room));
  chunks[0] = `${count}.${chunks[0]}`;
  return chunks;
}
