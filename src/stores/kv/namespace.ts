/**
 * Talking to a Workers KV binding: reads that may or may not use KV's edge
 * cache, writes retried on KV's 429, and paging through `list()`.
 */
import { backoff } from '../../util/backoff.ts';
import { parseJson } from '../../util/parse-json.ts';

/** The part of a Workers KV binding the store uses. */
export interface KVNamespaceLike {
  get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; cursor?: string | null; limit?: number }): Promise<{
    keys: { name: string; expiration?: number }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

/** Longest backoff between attempts, in ms. */
const MAX_BACKOFF = 4000;

function isRateLimited(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\b429\b|too many requests/i.test(message);
}

/** How a read may be served: from KV's edge cache for `cacheTtl`, or fresh (KV's own default). */
export type Freshness = 'cached' | 'fresh';

export class Namespace {
  readonly kv: KVNamespaceLike;
  readonly #cached: { type: 'text'; cacheTtl?: number };
  readonly #attempts: number;
  readonly #backoff: number;

  constructor(kv: KVNamespaceLike, cacheTtl: number | undefined, attempts: number, backoffMs: number) {
    this.kv = kv;
    this.#cached = cacheTtl === undefined ? FRESH : { type: 'text', cacheTtl };
    this.#attempts = attempts;
    this.#backoff = backoffMs;
  }

  /** The JSON under `key`, read as text and parsed here (see `parseJson`), or null. */
  async json(key: string, freshness: Freshness): Promise<unknown> {
    const text = await this.kv.get(key, freshness === 'cached' ? this.#cached : FRESH);
    return text === null ? null : parseJson(text);
  }

  put(key: string, value: string, expirationTtl?: number): Promise<void> {
    return this.#retry(() =>
      expirationTtl === undefined ? this.kv.put(key, value) : this.kv.put(key, value, { expirationTtl }),
    );
  }

  delete(key: string): Promise<void> {
    return this.#retry(() => this.kv.delete(key));
  }

  /** Names under `prefix` (without it), paging until `limit` or the end. */
  async names(prefix: string, limit: number): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list(cursor === undefined ? { prefix } : { prefix, cursor });
      for (const entry of page.keys) names.push(entry.name.slice(prefix.length));
      cursor = page.list_complete || names.length >= limit ? undefined : page.cursor;
    } while (cursor !== undefined);
    return names;
  }

  /** Runs a KV write, retrying 429s with jittered backoff so competing writers spread apart. */
  async #retry(write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= this.#attempts || !isRateLimited(error)) throw error;
        await backoff(attempt, this.#backoff, Math.max(this.#backoff, MAX_BACKOFF));
      }
    }
  }
}

const FRESH = { type: 'text' } as const;
