/**
 * Lifecycle hooks and what follows a successful commit: the app hears when a
 * session is created, regenerated, destroyed, found expired or revoked (for
 * audit logs and "new sign-in" e-mails), and the per-user session cap is
 * applied. Both run after the commit succeeded, so neither can undo it: the
 * cap revokes other sessions, and a hook that throws reports its error to
 * `onHookError`.
 */
import type { CommitPlan, CommitResult } from './contracts.ts';
import { enforceSessionCap } from './devices.ts';
import type { CookieStore } from './backend/cookie.ts';
import { keepsSessionsInCookies } from './contracts.ts';
import type { SessionStore } from './types.ts';

/** What happened to a session. */
export type SessionEventType =
  | 'created'
  | 'regenerated'
  | 'destroyed'
  | 'expired'
  | 'revoked'
  | 'reuseDetected';

/** Every event type, for the check that refuses unknown hook names. */
export const SESSION_EVENT_TYPES = [
  'created',
  'regenerated',
  'destroyed',
  'expired',
  'revoked',
  'reuseDetected',
] as const satisfies readonly SessionEventType[];

/** The argument of every hook. */
export interface SessionEvent {
  type: SessionEventType;
  /** The session's handle (for `regenerated`, the new one). */
  handle: string;
  /** For `regenerated`: the handle the session had before, when it had one. */
  previousHandle?: string;
  /** The session's user, when it had one. */
  userId?: string;
  /**
   * The request that made it happen (absent for revocations outside a
   * request). For `reuseDetected`: the one that presented the replaced
   * cookie value — the thief's or its owner's, whichever came second.
   */
  request?: Request;
}

/** A hook: awaited or left running in the background, as the manager's `hookMode` says. */
export type SessionHook = (event: SessionEvent) => void | Promise<void>;

/** Hooks by event; every one is optional. */
export type SessionHooks = Partial<Record<SessionEventType, SessionHook>>;

/** Something that keeps a promise alive after the response: a Workers `ExecutionContext`. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** How the manager runs hooks. */
export interface HookRunner {
  hooks: SessionHooks;
  /** `await`: commit waits for them. `background`: `waitUntil` when the runtime gives one, else left running. */
  mode: 'await' | 'background';
  onError: (error: unknown, event: SessionEvent) => void;
}

/** Runs the hooks for `events`; never rejects. */
export async function runHooks(runner: HookRunner, events: SessionEvent[], context?: unknown): Promise<void> {
  const runs: Promise<void>[] = [];
  for (const event of events) {
    const hook = runner.hooks[event.type];
    if (hook === undefined) continue;
    runs.push(
      (async () => {
        try {
          await hook(event);
        } catch (error) {
          runner.onError(error, event);
        }
      })(),
    );
  }
  if (runs.length === 0) return;
  const all = Promise.all(runs).then(() => undefined);
  if (runner.mode === 'await') return all;
  if (isWaitUntil(context)) context.waitUntil(all);
}

function isWaitUntil(value: unknown): value is WaitUntil {
  return typeof value === 'object' && value !== null && typeof (value as WaitUntil).waitUntil === 'function';
}

/** What the commit left behind, for the cap and the hooks. */
export interface Committed {
  plan: CommitPlan;
  result: CommitResult;
  store: SessionStore | CookieStore;
  request: Request;
  now: number;
  maxSessionsPerUser: number | undefined;
  hooks: HookRunner;
  /** Keeps background hooks alive (a Workers `ExecutionContext`), if the caller gave one. */
  context: unknown;
}

/** The lifecycle events of a commit, with the handles it ended up with. */
function eventsOf({ plan, result, request }: Committed): SessionEvent[] {
  const events: SessionEvent[] = [];
  const add = (
    type: SessionEvent['type'],
    handle: string | undefined,
    userId: string | undefined,
    previous?: string,
  ) => {
    if (handle === undefined) return;
    const event: SessionEvent = { type, handle, request };
    if (userId !== undefined) event.userId = userId;
    if (previous !== undefined) event.previousHandle = previous;
    events.push(event);
  };
  const { events: planned } = plan;
  for (const expired of planned.expired) add('expired', expired.key, expired.record.userId);
  const reused = planned.reused ?? result.reused;
  if (reused) add('reuseDetected', reused.key, reused.record.userId);
  if (planned.destroyed) {
    const destroyed = planned.destroyed.session;
    add('destroyed', destroyed?.key ?? result.removed.at(-1), destroyed?.record.userId);
  }
  const live = result.live ?? undefined;
  // A regenerate() with no session before it (a login on a first visit) creates one.
  if (planned.regenerated?.from && !result.startedOver)
    add('regenerated', live?.key, live?.record.userId, planned.regenerated.from.key);
  else if (planned.created || planned.regenerated || result.startedOver)
    add('created', live?.key, live?.record.userId);
  return events;
}

/** Applies the per-user cap when the commit gave the session a user, then runs the hooks. */
export async function afterCommit(committed: Committed): Promise<void> {
  const { plan, result, maxSessionsPerUser, hooks } = committed;
  const events = eventsOf(committed);
  if (
    maxSessionsPerUser !== undefined &&
    plan.events.userAssigned &&
    !keepsSessionsInCookies(committed.store)
  ) {
    const store = committed.store as SessionStore;
    const handle = result.live?.key ?? (plan.write?.kind === 'patch' ? plan.write.target?.key : undefined);
    const userId =
      result.live?.record.userId ?? (handle === undefined ? undefined : (await store.get(handle))?.userId);
    if (userId !== undefined) {
      const revoked = await enforceSessionCap(store, userId, maxSessionsPerUser, handle, committed.now);
      for (const session of revoked)
        events.push({ type: 'revoked', handle: session.handle, userId, request: committed.request });
    }
  }
  if (events.length > 0) await runHooks(hooks, events, committed.context);
}

/** Runs the `revoked` hook, awaited, for sessions revoked outside a commit. */
export async function reportRevoked(
  runner: HookRunner,
  handles: string[],
  userId: string | undefined,
  request: Request | undefined,
): Promise<void> {
  const events = handles.map((handle): SessionEvent => {
    const event: SessionEvent = { type: 'revoked', handle };
    if (userId !== undefined) event.userId = userId;
    if (request !== undefined) event.request = request;
    return event;
  });
  await runHooks({ ...runner, mode: 'await' }, events);
}
