/** Test helpers for the session layer: a spying store, a cookie jar, a clock. */
import { MemoryStore, type SessionPatch, type SessionRecord, type SessionStore } from '../../src/index.ts';

export const SECRET = 'session-test-secret-0123456789-abcdefghij';
export const ORIGIN = 'https://app.example';

export interface StoreCall {
  method: string;
  key?: string;
  value?: string;
}

/**
 * Wraps a store and records every call, with the JSON of what was written.
 * `atomic: false` hides `update`/`touch` so the engine reads and sets.
 */
export class SpyStore implements SessionStore {
  readonly calls: StoreCall[] = [];
  readonly inner: MemoryStore;
  failGet: Error | undefined;
  update?: (key: string, patch: SessionPatch) => Promise<boolean>;
  touch?: (key: string, record: SessionRecord, expiresAt: number) => Promise<void>;

  listByUser?: (userId: string) => Promise<string[]>;
  deleteByUser?: (userId: string, options?: { except?: string }) => Promise<number>;
  revokedAt?: (userId: string) => Promise<number | null>;
  hasEnded?: (key: string, record: SessionRecord) => Promise<boolean>;
  move?: (fromKey: string, toKey: string, patch: SessionPatch) => Promise<boolean>;

  /**
   * `indexed: true` also exposes the user index (listByUser, deleteByUser,
   * revokedAt, hasEnded); `move: true` the atomic move `regenerate()` uses.
   */
  constructor(options: { atomic?: boolean; now?: () => number; indexed?: boolean; move?: boolean } = {}) {
    this.inner = new MemoryStore(options.now ? { now: options.now } : {});
    if (options.indexed) {
      this.listByUser = (userId) => this.inner.listByUser(userId);
      this.deleteByUser = (userId, deleteOptions) => this.inner.deleteByUser(userId, deleteOptions);
      this.revokedAt = async (userId) => {
        this.calls.push({ method: 'revokedAt' });
        return this.inner.revokedAt(userId);
      };
      this.hasEnded = async (key, record) => {
        this.calls.push({ method: 'hasEnded', key });
        return this.inner.hasEnded(key, record);
      };
    }
    if (options.atomic !== false) {
      this.update = async (key, patch) => {
        this.calls.push({ method: 'update', key, value: JSON.stringify(patch) });
        return this.inner.update(key, patch);
      };
      this.touch = async (key, record, expiresAt) => {
        this.calls.push({ method: 'touch', key });
        return this.inner.touch(key, record, expiresAt);
      };
    }
    if (options.move) {
      this.move = async (fromKey, toKey, patch) => {
        this.calls.push({ method: 'move', key: fromKey, value: toKey });
        return this.inner.move(fromKey, toKey, patch);
      };
    }
  }

  async get(key: string): Promise<SessionRecord | null> {
    this.calls.push({ method: 'get', key });
    if (this.failGet) throw this.failGet;
    return this.inner.get(key);
  }

  async set(key: string, record: SessionRecord, expiresAt: number): Promise<void> {
    this.calls.push({ method: 'set', key, value: JSON.stringify(record) });
    return this.inner.set(key, record, expiresAt);
  }

  async delete(key: string): Promise<void> {
    this.calls.push({ method: 'delete', key });
    return this.inner.delete(key);
  }

  count(...methods: string[]): number {
    return this.calls.filter((call) => methods.includes(call.method)).length;
  }

  writes(): number {
    return this.count('set', 'update', 'touch', 'delete', 'move');
  }

  reset(): void {
    this.calls.length = 0;
  }
}

/** A minimal browser cookie jar: applies Set-Cookie lines, sends Cookie headers. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  absorb(response: Response | Headers): this {
    const headers = response instanceof Response ? response.headers : response;
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  request(path = '/', init: RequestInit = {}): Request {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.header());
    return new Request(`${ORIGIN}${path}`, { ...init, headers });
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }
}

/** A controllable clock starting at a fixed instant. */
export class Clock {
  time = Date.UTC(2030, 0, 1);
  readonly now = (): number => this.time;
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}

/** The session id part of a signed cookie value (before the last dot). */
export function idOf(cookieValue: string | undefined): string | undefined {
  if (cookieValue === undefined) return undefined;
  const decoded = decodeURIComponent(cookieValue);
  return decoded.slice(0, decoded.lastIndexOf('.'));
}
