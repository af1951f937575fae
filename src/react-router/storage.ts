/**
 * `createTesseraSessionStorage`: React Router's `SessionStorage` on a Tessera
 * store, built from the engine's own pieces — the signed-id cookie check and
 * the store writes of `StoreBackend`, the record arithmetic of `record.ts` —
 * rather than on React Router's `createSessionStorage`, whose strategy keeps
 * whatever id the cookie names (a revoked or expired id would be written
 * again), overwrites the whole record on every commit, and signs with its own
 * scheme. Sessions handed out are React Router's own (`createSession`).
 */
import { createSession, type Session, type SessionData, type SessionStorage } from 'react-router';
import type { CommitPlan, LoadedSession, SessionWrite } from '../session/contracts.ts';
import { CookieStore } from '../session/cookie-store.ts';
import { newSessionId, StoreKeys } from '../session/id.ts';
import { emptyPatch } from '../session/pending.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { resolveOptions, type ResolvedOptions, type StoreOption } from '../session/options.ts';
import { applyPatch, emptyRecord, expiryOf, isLive, timeoutsOf, userIdOf } from '../session/record.ts';
import { cookieSpecFor, RequestState } from '../session/request-state.ts';
import type { SessionPatch, SessionRecord } from '../session/types.ts';
import { changes, patchBetween, routerDataOf, snapshotOf, type RouterData } from './changes.ts';
import { deletionCookie, lifetimeOf, sessionCookie } from './cookie.ts';
import type { TesseraSessionStorage, TesseraSessionStorageOptions } from './types.ts';

const NAME = 'createTesseraSessionStorage';
/** React Router hands over a Cookie header, not a request; the engine reads it from one. */
const ORIGIN = 'https://react-router.invalid/';

/** What this storage knows about a session it handed out. */
interface Entry<Env> {
  state: RequestState<Env>;
  /** The stored session it is attached to; null for none (new, forged, unknown, expired, revoked, destroyed). */
  live: LoadedSession | null;
  /** The session's data as last read or written: commit stores the difference. */
  known: RouterData;
  /** Found past its timeouts when read: deleted at the next commit. */
  expired: LoadedSession[];
}

/** The engine's messages name `createSessionManager`; these options are this function's. */
function renamed(error: unknown): unknown {
  return error instanceof TypeError && error.message.startsWith('createSessionManager:')
    ? new TypeError(NAME + error.message.slice('createSessionManager'.length))
    : error;
}

function resolve<Env>(options: TesseraSessionStorageOptions<Env>): ResolvedOptions<Env> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${NAME}: options are required`);
  const { secrets, store, cookie, idleTimeout, absoluteTimeout, touchInterval, userField, now } = options;
  if (store instanceof CookieStore) throw cookieStoreError();
  // React Router gives no request to tell https from http: Secure unless told otherwise.
  const engine = {
    secrets,
    cookie: { secure: true, ...cookie },
    ...defined({ idleTimeout, absoluteTimeout, touchInterval, userField, now }),
    ...(store === undefined
      ? {}
      : {
          store: typeof store === 'function' ? (((_request, env) => store(env)) as StoreOption<Env>) : store,
        }),
  };
  try {
    const resolved = resolveOptions<Env>(engine, () => new MemoryStore());
    const keyring = resolved.keyring;
    return {
      ...resolved,
      keyring: (env) => {
        try {
          return keyring(env);
        } catch (error) {
          throw renamed(error);
        }
      },
    };
  } catch (error) {
    throw renamed(error);
  }
}

function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function cookieStoreError(): TypeError {
  return new TypeError(
    `${NAME}: option store cannot be a CookieStore: it needs a server-side store (React Router's createCookieSessionStorage keeps sessions in cookies)`,
  );
}

/** A request carrying `cookieHeader`; a value no header may hold counts as no cookie. */
function requestWith(cookieHeader: string | null | undefined): Request {
  if (typeof cookieHeader === 'string' && cookieHeader !== '') {
    try {
      return new Request(ORIGIN, { headers: { cookie: cookieHeader } });
    } catch {
      // untrusted input never throws: treated as absent
    }
  }
  return new Request(ORIGIN);
}

function planOf(write: SessionWrite | undefined, remove: LoadedSession[]): CommitPlan {
  return {
    remove,
    removeCookieSession: false,
    write,
    resend: undefined,
    clearCookie: false,
    noStore: false,
    events: {
      created: false,
      regenerated: undefined,
      destroyed: undefined,
      expired: [],
      userAssigned: false,
    },
  };
}

/** Applies `patch` to a stored session; null when it is gone (logged out or revoked meanwhile: not written back). */
async function patched<Env>(
  state: RequestState<Env>,
  target: LoadedSession,
  patch: SessionPatch,
  touchOnly: boolean,
): Promise<LoadedSession | null> {
  const { live } = await state.backend.commit(planOf({ kind: 'patch', target, patch, touchOnly }, []));
  if (live === null) return null;
  // An atomic update does not read back: the record is what the patch made of it.
  return live ?? { ...target, record: applyPatch(target.record, patch) ?? target.record };
}

/** The data of a stored session moved to a new id at login: a new lifetime, authenticated now. */
function regenerated<Env>(record: SessionRecord, state: RequestState<Env>): SessionRecord {
  const { policy } = state;
  const { now } = policy;
  const expiresAt = expiryOf(now, now, timeoutsOf(record, policy));
  return { ...record, createdAt: now, lastSeenAt: now, authenticatedAt: now, expiresAt };
}

/**
 * React Router's `SessionStorage` backed by a Tessera store: 256-bit ids
 * signed with your keyring in a `__Host-` cookie (HttpOnly, Secure,
 * SameSite=Lax), records keyed by SHA-256 of the id, idle and absolute
 * timeouts enforced from stored timestamps, an unknown id never adopted, a
 * new id when the user changes, and commits written as patches.
 *
 * Type parameters are React Router's (`Data`, `Flash`) and, for `secrets` or
 * `store` functions, the `env` they receive.
 *
 * @throws TypeError at construction for a missing or short secret, bad
 *   timeouts, cookie attributes or store — the message names the option.
 */
export function createTesseraSessionStorage<Data = SessionData, Flash = Data, Env = unknown>(
  options: TesseraSessionStorageOptions<Env>,
): TesseraSessionStorage<Data, Flash, Env> {
  type RouterSession = Session<Data, Flash>;
  const resolved = resolve(options);
  const spec = cookieSpecFor(ORIGIN, resolved.cookie);
  const shared = { options: resolved, keys: new StoreKeys(), secureCookie: spec, plainCookie: spec };
  const entries = new WeakMap<object, Entry<Env>>();

  function entryOf(session: RouterSession, caller: string): Entry<Env> {
    const entry = entries.get(session);
    if (entry === undefined)
      throw new TypeError(`${caller}: the session was not made by this storage's getSession`);
    return entry;
  }

  async function getSession(env: Env, cookieHeader: string | null | undefined): Promise<RouterSession> {
    const state = new RequestState(shared, requestWith(cookieHeader), env);
    if (state.store instanceof CookieStore) throw cookieStoreError();
    const policy = state.policy;
    // A forged, tampered or expired cookie is refused before any store call.
    const { session: found } = await state.load();
    let live = found !== null && isLive(found.record, policy.now, policy) ? found : null;
    const expired = found !== null && live === null ? [found] : [];
    // Reads slide the session, written at most once per touchInterval: React
    // Router apps commit only when they write, so a read is the only sign of activity.
    if (live !== null && policy.now - live.record.lastSeenAt >= policy.touchIntervalMs) {
      live = await patched(state, live, emptyPatch(policy), true);
    }
    const data = routerDataOf(live?.record);
    // Its id is the session's handle (SHA-256 of the id): never the credential itself.
    const session = createSession<Data, Flash>(data as Data, live?.key ?? '');
    entries.set(session, { state, live, known: routerDataOf(live?.record), expired });
    return session;
  }

  async function commitSession(
    session: RouterSession,
    options?: Parameters<SessionStorage['commitSession']>[1],
  ): Promise<string> {
    const entry = entryOf(session, 'commitSession');
    const lifetime = lifetimeOf(options, 'commitSession');
    const { state } = entry;
    const data = session.data as RouterData;
    const patch = patchBetween(entry.known, data, state.policy);
    const current = entry.live;
    const field = state.policy.userField;
    const user = userIdOf(data, field);
    let live: LoadedSession | null;
    if (current !== null && (user === undefined || user === userIdOf(entry.known, field))) {
      live = changes(patch) ? await patched(state, current, patch, false) : current;
    } else {
      // A new id for a session the store does not hold (never one a client
      // sent), and when the session gains or changes its user (OWASP: renew
      // the id at login); the old record goes once the new one is written.
      const { policy } = state;
      const base = current
        ? regenerated(current.record, state)
        : { ...emptyRecord(policy.now, policy), ...state.newSessionFields() };
      const record = applyPatch(base, patch)!;
      const remove = current ? [...entry.expired, current] : entry.expired;
      live = (await state.backend.commit(planOf({ kind: 'create', id: newSessionId(), record }, remove)))
        .live!;
    }
    entry.expired = [];
    entry.live = live;
    // Gone meanwhile: what the session held is not written back to a new one either.
    entry.known = snapshotOf(data);
    if (live === null) return deletionCookie(state);
    return sessionCookie(state, live.id, live.record, lifetime);
  }

  async function destroySession(
    session: RouterSession,
    options?: Parameters<SessionStorage['destroySession']>[1],
  ): Promise<string> {
    const entry = entryOf(session, 'destroySession');
    lifetimeOf(options, 'destroySession'); // the same attribute rules; a deletion has no lifetime
    const remove = entry.live ? [...entry.expired, entry.live] : entry.expired;
    if (remove.length > 0) await entry.state.backend.commit(planOf(undefined, remove));
    // Writes after this start a new session, with only what changes from here.
    entry.live = null;
    entry.expired = [];
    entry.known = snapshotOf(session.data as RouterData);
    return deletionCookie(entry.state);
  }

  const storage = (env: Env): SessionStorage<Data, Flash> => ({
    getSession: (cookieHeader) => getSession(env, cookieHeader),
    commitSession,
    destroySession,
  });
  return { ...storage(undefined as Env), withEnv: storage };
}
