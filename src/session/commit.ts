/**
 * Committing one request's session: plan, have the backend carry the plan
 * out, let the session learn where it now lives, run the lifecycle work, put
 * the cookie on the response. Each step waits only when it must: an
 * untouched or read-only session, or a patch to a MemoryStore session, is
 * committed without a single promise (an await costs more than the whole
 * in-process update); everything else continues asynchronously.
 */
import { applyHeaders } from '../cookie/cache-control.ts';
import type { CommitPlan, CommitResult, SessionBackend } from './contracts.ts';
import { warnInsecureCookie } from './guards/proxy.ts';
import { hintSharedCookie } from './guards/shared-cookies.ts';
import { afterCommit } from './lifecycle.ts';
import type { ResolvedOptions } from './options/options.ts';
import { isIdle } from './plan.ts';
import type { RequestState } from './request-state.ts';
import type { SessionImpl } from './session.ts';

/** What a manager's commits share. */
export interface CommitOptions<Env> {
  options: ResolvedOptions<Env>;
  /** A per-user cap or hooks are configured: most apps have neither, and skip that step. */
  hasLifecycleWork: boolean;
}

type AnySession = SessionImpl<any, any>;

/**
 * Commits `impl` onto `target`: the target (or its copy) itself when
 * nothing waited, else a promise of it. Errors before the first wait throw;
 * after it, they reject. Either way a failed commit abandons the request's
 * writes (later reads go back to the store).
 */
export function commitSession<Env, T extends Response | Headers>(
  shared: CommitOptions<Env>,
  state: RequestState<Env>,
  impl: AnySession,
  target: T,
  context: unknown,
): T | Promise<T> {
  impl.close();
  if (!impl.touched) return target;
  let planned: CommitPlan | Promise<CommitPlan>;
  try {
    planned = impl.plan();
  } catch (error) {
    impl.abandon();
    throw error;
  }
  if (!(planned instanceof Promise)) return carryOut(shared, state, impl, planned, target, context);
  return planned.then(
    (plan) => carryOut(shared, state, impl, plan, target, context),
    (error: unknown) => {
      impl.abandon();
      throw error;
    },
  );
}

/** Has the backend carry out the plan: at once where it can (an in-process store), else asynchronously. */
function carryOut<Env, T extends Response | Headers>(
  shared: CommitOptions<Env>,
  state: RequestState<Env>,
  impl: AnySession,
  plan: CommitPlan,
  target: T,
  context: unknown,
): T | Promise<T> {
  let backend: SessionBackend | undefined;
  let result: CommitResult | undefined;
  try {
    // A request that only read (the usual one) leaves the backend nothing to
    // do, unless the read cache is to be filled from what it read.
    backend = isIdle(plan) && state.readCache === undefined ? undefined : state.backend;
    result = backend === undefined ? IDLE_RESULT : backend.commitNow?.(plan);
  } catch (error) {
    impl.abandon();
    throw error;
  }
  if (result !== undefined) return settle(shared, state, impl, plan, result, target, context);
  return backend!.commit(plan).then(
    (result) => settle(shared, state, impl, plan, result, target, context),
    (error: unknown) => {
      impl.abandon();
      throw error;
    },
  );
}

/** The commit succeeded: the session learns where it lives, the lifecycle work runs, the cookie goes on. */
function settle<Env, T extends Response | Headers>(
  shared: CommitOptions<Env>,
  state: RequestState<Env>,
  impl: AnySession,
  plan: CommitPlan,
  result: CommitResult,
  target: T,
  context: unknown,
): T | Promise<T> {
  const { options } = shared;
  if (impl.verdict === 'invalid' && state.transport === 'cookie') hintSharedCookie(state.cookie.name);
  impl.committed(plan, result);
  if (result.setCookies.length > 0 && !state.cookie.attributes.secure)
    warnInsecureCookie(state.request.url, options.trustProxy);
  if (!shared.hasLifecycleWork) return withHeaders(target, plan, result);
  return afterCommit({
    plan,
    result,
    store: state.store,
    request: state.request,
    now: state.policy.now,
    maxSessionsPerUser: options.maxSessionsPerUser,
    hooks: options.hooks,
    context,
  }).then(() => withHeaders(target, plan, result));
}

/** The target with the commit's Set-Cookie lines and cache rule, if it has any. */
function withHeaders<T extends Response | Headers>(target: T, plan: CommitPlan, result: CommitResult): T {
  if (result.setCookies.length === 0 && !plan.noStore) return target;
  return applyHeaders(target, result.setCookies, plan.noStore);
}

/** What a backend answers to an idle plan: no cookie, nothing written or removed (frozen: shared by every request). */
const IDLE_RESULT: CommitResult = Object.freeze({
  setCookies: Object.freeze([]) as unknown as string[],
  live: undefined,
  startedOver: false,
  removed: Object.freeze([]) as unknown as string[],
});
