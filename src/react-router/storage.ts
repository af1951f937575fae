/**
 * `createTesseraSessionStorage`: React Router's `SessionStorage` on a Tessera
 * store. Built on the store contract and Tessera's signed ids (records.ts)
 * rather than on React Router's `createSessionStorage`, whose strategy keeps
 * whatever id the cookie names (a revoked or expired id would be written
 * again), overwrites the whole record on every commit, and signs with its
 * own scheme. Sessions handed out are React Router's own (`createSession`).
 */
import { createSession, type Session, type SessionData, type SessionStorage } from 'react-router';
import { CookieStore } from '../session/backend/cookie.ts';
import { checkOptionNames } from '../util/options.ts';
import { StoreKeys } from '../session/id.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { cookieAttributesOf, resolveOptions, type ResolvedOptions } from '../session/options/options.ts';
import { applyPatch, emptyRecord, userIdOf } from '../session/record.ts';
import { isRotationDue, newValidator, nextValidator } from '../session/rotation.ts';
import type { SessionEvent, SessionHooks } from '../session/lifecycle.ts';
import type { SessionPatch, SessionStore } from '../session/types.ts';
import { changes, patchBetween, routerDataOf, snapshotOf, type RouterData } from './changes.ts';
import { deletionCookie, lifetimeOf, sessionCookie, type StorageCookie } from './cookie.ts';
import {
  createSession as storeSession,
  deleteSessions,
  moveSession,
  patchSession,
  readSession,
  type RecordContext,
  type StoredSession,
} from './records.ts';
import type { TesseraSessionStorage, TesseraSessionStorageOptions } from './types.ts';

const NAME = 'createTesseraSessionStorage';

/** What this storage knows about a session it handed out. */
interface Entry {
  context: RecordContext;
  /** The stored session it is attached to; null for none (new, forged, unknown, expired, revoked, destroyed). */
  live: StoredSession | null;
  /** The session's data as last read or written: commit stores the difference. */
  known: RouterData;
  /** Found past its timeouts when read: deleted at the next commit. */
  expired: StoredSession[];
}

/** The engine's messages name `createSessionManager`; these options are this function's. */
function renamed(error: unknown): unknown {
  return error instanceof TypeError && error.message.startsWith('createSessionManager:')
    ? new TypeError(NAME + error.message.slice('createSessionManager'.length))
    : error;
}

function cookieStoreError(): TypeError {
  return new TypeError(
    `${NAME}: option store cannot be a CookieStore: it needs a server-side store (React Router's createCookieSessionStorage keeps sessions in cookies)`,
  );
}

/** The option names `createTesseraSessionStorage` knows. */
const STORAGE_OPTIONS = [
  'secrets',
  'store',
  'cookie',
  'idleTimeout',
  'absoluteTimeout',
  'touchInterval',
  'userField',
  'now',
  'rotation',
  'hooks',
];

/** The options, checked as the session manager checks its own (the same messages, this name). */
function resolve<Env>(
  options: TesseraSessionStorageOptions<Env>,
  storeFor: (env: Env) => SessionStore,
): ResolvedOptions<Env> {
  const { secrets, cookie, idleTimeout, absoluteTimeout, touchInterval, userField, now, rotation } = options;
  const given = { idleTimeout, absoluteTimeout, touchInterval, userField, now, rotation };
  try {
    const resolved = resolveOptions<Env>(
      {
        secrets,
        // React Router gives no request to tell https from http: Secure unless told otherwise.
        cookie: { secure: true, ...cookie },
        ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
        store: (_request, env) => storeFor(env),
      },
      () => new MemoryStore(), // not called: a store is given
    );
    const keyring = resolved.keyring;
    const keyringFor = (env: Env) => {
      try {
        return keyring(env);
      } catch (error) {
        throw renamed(error);
      }
    };
    return { ...resolved, keyring: keyringFor };
  } catch (error) {
    throw renamed(error);
  }
}

/** The store for a request's env: the option, or one bounded `MemoryStore` per storage. */
function storeSource<Env>(store: TesseraSessionStorageOptions<Env>['store']): (env: Env) => SessionStore {
  if (store instanceof CookieStore) throw cookieStoreError();
  if (typeof store === 'function') {
    return (env) => {
      const picked = store(env);
      if (picked instanceof CookieStore) throw cookieStoreError();
      return picked;
    };
  }
  if (store !== undefined && (typeof store !== 'object' || store === null))
    throw new TypeError(`${NAME}: option store must be a store or a function of env returning one`);
  const fixed = store ?? new MemoryStore();
  return () => fixed;
}

/** The `reuseDetected` hook of the options, checked, run awaited with errors logged. */
function reuseHookOf(
  hooks: Pick<SessionHooks, 'reuseDetected'> | undefined,
): ((session: StoredSession) => Promise<void>) | undefined {
  if (hooks === undefined) return undefined;
  if (typeof hooks !== 'object' || hooks === null)
    throw new TypeError(`${NAME}: option hooks must be an object`);
  checkOptionNames(NAME, hooks, ['reuseDetected'], {}, 'hooks.');
  const hook = hooks.reuseDetected;
  if (hook === undefined) return undefined;
  if (typeof hook !== 'function')
    throw new TypeError(`${NAME}: option hooks.reuseDetected must be a function`);
  return async (session) => {
    const event: SessionEvent = { type: 'reuseDetected', handle: session.key };
    if (session.record.userId !== undefined) event.userId = session.record.userId;
    try {
      await hook(event);
    } catch (error) {
      console.error('tesserajs: the reuseDetected hook failed', error);
    }
  };
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
  if (options === null || typeof options !== 'object') throw new TypeError(`${NAME}: options are required`);
  // A typo (`idleTimout`) is refused, naming the nearest option, never silently ignored.
  checkOptionNames(NAME, options, STORAGE_OPTIONS);
  const storeFor = storeSource(options.store);
  const resolved = resolve(options, storeFor);
  const secure = resolved.cookie.secure !== false;
  const spec: StorageCookie = {
    name: resolved.cookie.name ?? (secure ? '__Host-sid' : 'sid'),
    attributes: { ...cookieAttributesOf(resolved.cookie), secure },
  };
  const keys = new StoreKeys();
  const entries = new WeakMap<object, Entry>();
  const reuseDetected = reuseHookOf(options.hooks);

  /** The patch of a request: its writes, under the storage's timeouts and user field. */
  const patchOf = (context: RecordContext, before: RouterData, after: RouterData): SessionPatch =>
    patchBetween(before, after, { now: context.now, ...context.timeouts, userField: resolved.userField });

  function entryOf(session: RouterSession, caller: string): Entry {
    const entry = entries.get(session);
    if (entry === undefined)
      throw new TypeError(`${caller}: the session was not made by this storage's getSession`);
    return entry;
  }

  async function getSession(env: Env, cookieHeader: string | null | undefined): Promise<RouterSession> {
    const context: RecordContext = {
      store: storeFor(env),
      keyring: resolved.keyring(env),
      keys,
      name: spec.name,
      now: resolved.now(),
      timeouts: { idleMs: resolved.idleMs, absoluteMs: resolved.absoluteMs },
      rotation: resolved.rotation,
    };
    // A forged, tampered or expired cookie is refused before any store call.
    const read = await readSession(context, cookieHeader);
    let live = read.found;
    const expired = read.expired;
    if (read.reused && reuseDetected) await reuseDetected(read.reused);
    // Reads slide the session, written at most once per touchInterval: React
    // Router apps commit only when they write, so a read is the only sign of activity.
    if (live !== null && context.now - live.record.lastSeenAt >= resolved.touchIntervalMs) {
      const inGrace = live.inGrace;
      live = await patchSession(context, live, patchOf(context, {}, {}), true);
      if (live && inGrace) live.inGrace = true;
    }
    // Its id is the session's handle (SHA-256 of the id): never the credential itself.
    const session = createSession<Data, Flash>(routerDataOf(live?.record) as Data, live?.key ?? '');
    entries.set(session, {
      context,
      live,
      known: routerDataOf(live?.record),
      expired: expired ? [expired] : [],
    });
    return session;
  }

  async function commitSession(
    session: RouterSession,
    options?: Parameters<SessionStorage['commitSession']>[1],
  ): Promise<string> {
    const entry = entryOf(session, 'commitSession');
    const lifetime = lifetimeOf(options, 'commitSession');
    const { context, live: current } = entry;
    const data = session.data as RouterData;
    const patch = patchOf(context, entry.known, data);
    const user = userIdOf(data, resolved.userField);
    let live: StoredSession | null;
    if (current !== null && (user === undefined || user === userIdOf(entry.known, resolved.userField))) {
      const rotation = context.rotation;
      if (rotation !== undefined) {
        // Id rotation: a value in grace never gets the cookie back (a late
        // response must not put it back); the current one is sent again only
        // with a new value — when due, or for a new lifetime — so every
        // response to requests that carried one value sets the same next one.
        if (current.inGrace) {
          if (changes(patch)) await patchSession(context, current, patch, false);
          entry.known = snapshotOf(data);
          return '';
        }
        const due = isRotationDue(current.record, context.now, rotation);
        if (!due && lifetime.maxAge === undefined && lifetime.expires === undefined) {
          live = changes(patch) ? await patchSession(context, current, patch, false) : current;
          entry.live = live;
          entry.known = snapshotOf(data);
          return live === null ? deletionCookie(spec) : '';
        }
        const from = current.record.rotation?.current ?? '';
        patch.rotate = { from, to: await nextValidator(context.keyring, current.id, from), at: context.now };
      }
      live = changes(patch) || patch.rotate ? await patchSession(context, current, patch, false) : current;
    } else {
      // A new id for a session the store does not hold (never one a client
      // sent), and when the session gains or changes its user (OWASP: renew
      // the id at login): moved from the record the store holds now, the old
      // one deleted once the new one is written.
      const fresh = applyPatch(
        {
          ...emptyRecord(context.now, context.timeouts),
          ...(resolved.cookie.persistent ? { persistent: true as const } : {}),
          ...(context.rotation ? { rotation: { current: newValidator(), at: context.now } } : {}),
        },
        patch,
      )!;
      // A new id starts its own rotation (renewRecord drops the old state).
      if (context.rotation) patch.rotate = { from: '', to: newValidator(), at: context.now };
      live = current
        ? await moveSession(context, current, patch, fresh, entry.expired)
        : await storeSession(context, fresh, entry.expired);
    }
    entry.expired = [];
    entry.live = live;
    // Gone meanwhile: what the session held is not written back to a new one either.
    entry.known = snapshotOf(data);
    if (live === null) return deletionCookie(spec);
    return sessionCookie(spec, context, live, lifetime);
  }

  async function destroySession(
    session: RouterSession,
    options?: Parameters<SessionStorage['destroySession']>[1],
  ): Promise<string> {
    const entry = entryOf(session, 'destroySession');
    lifetimeOf(options, 'destroySession'); // the same attribute rules; a deletion has no lifetime
    await deleteSessions(entry.context, entry.live ? [...entry.expired, entry.live] : entry.expired);
    // Writes after this start a new session, with only what changes from here.
    entry.live = null;
    entry.expired = [];
    entry.known = snapshotOf(session.data as RouterData);
    return deletionCookie(spec);
  }

  const storage = (env: Env): SessionStorage<Data, Flash> => ({
    getSession: (cookieHeader) => getSession(env, cookieHeader),
    commitSession,
    destroySession,
  });
  return { ...storage(undefined as Env), withEnv: storage };
}
