/**
 * Writes to one key, batched: concurrent items are written together, so a
 * burst of requests costs one write per batch instead of one each (and one
 * 429 each, on Workers KV).
 *
 * There is no background writer. On Workers a request may not wait on a
 * promise that another request's I/O settles (the runtime cancels it as
 * hung), so each caller drives the queue itself: whichever caller finds no
 * write under way takes every queued item, its own included, and writes them
 * from its own request; the others poll, on their own timers, until theirs
 * is written.
 */
import { sleep } from '../../util/backoff.ts';

/** How often a waiting caller looks again, in ms. */
const POLL_MS = 10;

interface Item<T, R> {
  value: T;
  state: 'queued' | 'writing' | 'done';
  result?: R;
  error?: { cause: unknown };
}

export class WriteQueue<T, R> {
  readonly #write: (batch: T[]) => Promise<R[]>;
  readonly #delay: () => number;
  #queued: Item<T, R>[] = [];
  #writing = false;
  /** Called when the queue has nothing queued or under way, so its owner can forget it. */
  onIdle: (() => void) | undefined;

  /**
   * @param write writes a batch, resolving to one result per item in order
   * @param delay ms to wait before the next write may start (a rate limit's spacing)
   */
  constructor(write: (batch: T[]) => Promise<R[]>, delay: () => number) {
    this.#write = write;
    this.#delay = delay;
  }

  /** Queues `value` and resolves with its result once a batch holding it is written. */
  async add(value: T): Promise<R> {
    const item: Item<T, R> = { value, state: 'queued' };
    this.#queued.push(item);
    try {
      while (item.state !== 'done') {
        const wait = this.#writing ? POLL_MS : this.#delay();
        if (wait > 0) await sleep(Math.min(wait, POLL_MS));
        else await this.#writeQueued();
      }
    } finally {
      if (this.#queued.length === 0 && !this.#writing) this.onIdle?.();
    }
    if (item.error) throw item.error.cause;
    return item.result as R;
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true;
    const batch = this.#queued;
    this.#queued = [];
    for (const item of batch) item.state = 'writing';
    try {
      const results = await this.#write(batch.map((item) => item.value));
      batch.forEach((item, i) => (item.result = results[i] as R));
    } catch (cause) {
      for (const item of batch) item.error = { cause };
    } finally {
      for (const item of batch) item.state = 'done';
      this.#writing = false;
    }
  }
}
