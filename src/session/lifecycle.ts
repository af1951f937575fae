/**
 * What follows a successful commit: the per-user session cap, and the
 * lifecycle hooks for what the commit did. Neither can undo the commit: the
 * cap revokes other sessions, hooks report errors to `onHookError`.
 */
import type { CommitPlan, CommitResult } from './contracts.ts';
import { enforceSessionCap } from './devices.ts';
import { runHooks, type HookRunner, type SessionEvent } from './hooks.ts';
import type { CookieStore } from './cookie-store.ts';
import { keepsSessionsInCookies } from './store-internals.ts';
import type { SessionStore } from './types.ts';

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
  if (planned.destroyed) {
    const destroyed = planned.destroyed.session;
    add('destroyed', destroyed?.key ?? result.removed.at(-1), destroyed?.record.userId);
  }
  const live = result.live ?? undefined;
  // A regenerate() with no session before it (a login on a first visit) creates one.
  if (planned.regenerated?.from)
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
