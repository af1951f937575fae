/**
 * The gate in front of a backend: a session bound to a device key is the
 * request's session only when the request also carries its valid bound
 * cookie. Without it the request sees no session — as a thief holding a
 * copied session cookie, or a browser whose bound cookie has expired —
 * while the session itself is left alone: the real browser refreshes its
 * bound cookie and goes on. Sessions that never registered pass unchanged.
 *
 * Writes that reach the store without a read (a blind `set`, a `destroy()`
 * before any read) would bypass the gate, so with DBSC on they read first:
 * a blind write to a gated session starts a new session instead of landing
 * in the bound one, and a gated `destroy()` deletes nothing. Any other blind
 * write or `destroy()` goes on exactly as without DBSC.
 */
import type { CommitPlan, CommitResult, LoadResult, RequestContext, SessionBackend } from '../contracts.ts';
import { newSessionId } from '../id.ts';
import { applyPatch, emptyRecord } from '../record.ts';
import { holdsBoundCookie } from './bound-cookie.ts';
import type { DbscConfig } from './config.ts';

export class GatedBackend implements SessionBackend {
  readonly #config: DbscConfig;
  readonly #context: RequestContext;
  readonly #inner: SessionBackend;

  constructor(config: DbscConfig, context: RequestContext, inner: SessionBackend) {
    this.#config = config;
    this.#context = context;
    this.#inner = inner;
  }

  async #gate(result: LoadResult): Promise<LoadResult> {
    const binding = result.session?.record.deviceBound;
    if (binding === undefined) return result;
    if (await holdsBoundCookie(this.#config, this.#context, binding.id)) return result;
    // Ours, but not for this request: as a session that is gone (its cookie is kept).
    return { verdict: 'valid', session: null };
  }

  async load(): Promise<LoadResult> {
    return this.#gate(await this.#inner.load());
  }

  async reload(): Promise<LoadResult> {
    const inner = this.#inner;
    return this.#gate(await (inner.reload ? inner.reload() : inner.load()));
  }

  async commit(plan: CommitPlan): Promise<CommitResult> {
    const write = plan.write;
    const blind = write?.kind === 'patch' && write.target === undefined;
    let startedOver = false;
    if (blind || plan.removeCookieSession) {
      // From the store itself: a read cache copy may predate the binding.
      const inner = this.#inner;
      const found = await (inner.reload ? inner.reload() : inner.load());
      // Only a session the gate refuses is kept from the request. Otherwise (a session it may
      // use, none, or a reused value) the backend goes on as without DBSC: a blind write lands
      // in the session as it is now or starts a new one, a `destroy()` deletes what the cookie names.
      const gated = found.session !== null && (await this.#gate(found)).session === null;
      if (gated) plan.removeCookieSession = false;
      if (blind && gated) {
        // No session this request may write to: the writes start a new one (never the client's id).
        const policy = this.#context.policy;
        const record = applyPatch(emptyRecord(policy.now, policy), write.patch)!;
        plan.write = { kind: 'create', id: newSessionId(), record };
        startedOver = true;
      }
    }
    const result = await this.#inner.commit(plan);
    return startedOver ? { ...result, startedOver: true } : result;
  }
}
