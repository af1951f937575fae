/**
 * Lifecycle hooks: the app hears when a session is created, regenerated,
 * destroyed, found expired or revoked — for audit logs and "new sign-in"
 * e-mails. Hooks run after the commit succeeded, so a hook that throws cannot
 * lose it; its error goes to `onHookError`.
 */

/** What happened to a session. */
export type SessionEventType = 'created' | 'regenerated' | 'destroyed' | 'expired' | 'revoked';

/** The argument of every hook. */
export interface SessionEvent {
  type: SessionEventType;
  /** The session's handle (for `regenerated`, the new one). */
  handle: string;
  /** For `regenerated`: the handle the session had before, when it had one. */
  previousHandle?: string;
  /** The session's user, when it had one. */
  userId?: string;
  /** The request that made it happen (absent for revocations outside a request). */
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
