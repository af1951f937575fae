/**
 * The two DBSC endpoints (DBSC #server-considerations). Registration:
 * the browser posts a proof signed by a new key over the challenge it got at
 * login; the key is stored in the session record and the answer is the
 * session instructions and a first bound cookie. Refresh: the browser posts
 * `Sec-Secure-Session-Id` when its bound cookie has expired; without a proof
 * it gets a 403 and a challenge, with a proof signed by the registered key
 * over a live challenge a fresh bound cookie.
 *
 * Status codes follow the browser's algorithm (DBSC #algo-session-request):
 * 403 makes it sign the challenge it was just given and try again; any other
 * 4xx ends its DBSC session (right when the server's session is gone, bound
 * to another key or identifier); every answer is `Cache-Control: no-store`
 * and carries no CORS header, so another site cannot read it.
 */
import { isLive } from '../record.ts';
import { newSessionId, sessionIdOf as sessionIdOfToken, verifiedToken } from '../id.ts';
import { judgeLoaded } from '../backend/rotation-check.ts';
import { keepsSessionsInCookies, type BoundRequest } from '../contracts.ts';
import type { DeviceBinding, SessionRecord, SessionStore } from '../types.ts';
import { boundCookieLine, boundCookieName, credentialAttributes } from './bound-cookie.ts';
import { issueChallenge, takeChallenge } from './challenge.ts';
import type { DbscConfig } from './config.ts';
import { CHALLENGE_HEADER, challengeHeader, proofOf, sessionIdOf } from './headers.ts';
import { refreshProof, registrationProof } from './proof.ts';

/** What a registration challenge is issued for: the session stored under `key`. */
export const registrationSubject = (key: string): string => `register ${key}`;
/** What a refresh challenge is issued for: the DBSC session `id`. */
const refreshSubject = (id: string): string => `refresh ${id}`;

/** The endpoint's answer when the request is for one, else undefined. */
export function serveEndpoint(config: DbscConfig, context: BoundRequest): Promise<Response> | undefined {
  const request = context.request;
  if (request.method !== 'POST') return undefined;
  const path = pathOf(request.url);
  if (path === config.registrationPath) return register(config, context);
  if (path === config.refreshPath) return refresh(config, context);
  return undefined;
}

/** The path of a request URL, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  let end = url.length;
  for (const mark of ['?', '#']) {
    const at = url.indexOf(mark, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}

/** The store of the request's sessions; DBSC needs records on the server. */
export function serverStore(context: BoundRequest): SessionStore {
  const store = context.store;
  if (keepsSessionsInCookies(store)) {
    throw new TypeError(
      'createSessionManager: option deviceBoundSessions needs a server-side store, not CookieStore',
    );
  }
  return store as SessionStore;
}

/**
 * The live session the request's cookie names, read from the store itself (never a read cache copy).
 * With id rotation a replaced value names the session but does not hold it; a value in grace
 * does when `inGrace` is 'accepted' (refresh: the device key's proof holds the session, and an
 * honest browser whose value a concurrent or stolen-copy request rotated must keep its bound
 * cookie alive until it gets the new value or its grace ends). A reused value never does.
 */
async function storedSession(
  context: BoundRequest,
  inGrace: 'accepted' | 'refused',
): Promise<{ key: string; record: SessionRecord } | null> {
  if (context.transport !== 'cookie') return null; // DBSC binds cookies, not header tokens
  const { keyring, cookie, policy } = context;
  const token = await verifiedToken(keyring, cookie.name, context.sessionToken, policy.now);
  const id = token === null ? null : sessionIdOfToken(token);
  if (id === null) return null;
  const key = await context.keys.of(id);
  const record = await serverStore(context).get(key);
  if (record === null || !isLive(record, policy.now, policy)) return null;
  const judged = judgeLoaded(context, token!, id, key, record).session;
  return judged && (!judged.inGrace || inGrace === 'accepted') ? { key, record } : null;
}

/** The values a proof's `aud` may have: this endpoint's URL (with or without its query). */
function audienceOf(request: Request): string[] {
  const query = request.url.search(/[?#]/);
  return query === -1 ? [request.url] : [request.url, request.url.slice(0, query)];
}

function answer(status: number, headers: [string, string][] = [], body: string | null = null): Response {
  return new Response(body, { status, headers: [['cache-control', 'no-store'], ...headers] });
}

async function register(config: DbscConfig, context: BoundRequest): Promise<Response> {
  const proofText = proofOf(context.request);
  if (proofText === undefined) return answer(400);
  const session = await storedSession(context, 'refused');
  if (session === null) return answer(401);
  // Bound once: a stolen session cookie must not rebind a session to the thief's key.
  if (session.record.deviceBound !== undefined) return answer(400);
  const proof = await registrationProof(
    proofText,
    config.algorithms,
    audienceOf(context.request),
    context.policy.now,
  );
  if (proof === null) return answer(400);
  const store = serverStore(context);
  const now = context.policy.now;
  // The challenge went out on this session's login response, and works once.
  if (!(await takeChallenge(store, proof.challenge, registrationSubject(session.key), now)))
    return answer(400);
  // Written over the record as it is now, so writes of other requests since the read are kept.
  const current = await store.get(session.key);
  if (current === null || !isLive(current, now, context.policy) || current.deviceBound !== undefined)
    return answer(400);
  const binding: DeviceBinding = { id: newSessionId(), alg: proof.alg, key: proof.key };
  await store.set(session.key, { ...current, deviceBound: binding }, current.expiresAt);
  const response = await instructions(config, context, binding);
  // A read cache copy made before the binding lacks it: the browser drops its copy and reads the store.
  const cache = context.readCache;
  if (cache && cache.carried(context) !== undefined)
    response.headers.append('set-cookie', cache.deletion(context));
  return response;
}

async function refresh(config: DbscConfig, context: BoundRequest): Promise<Response> {
  const sessionId = sessionIdOf(context.request);
  if (sessionId === undefined) return answer(400);
  const session = await storedSession(context, 'accepted');
  const binding = session?.record.deviceBound;
  // No session, or not this DBSC session: the browser should stop refreshing it.
  if (binding === undefined || binding.id !== sessionId) return answer(401);
  const proofText = proofOf(context.request);
  if (proofText === undefined) return challenge(config, context, binding);
  const signed = await refreshProof(proofText, binding, audienceOf(context.request), context.policy.now);
  if (signed === null) return answer(401); // not the registered key
  // Expired, used, or issued for another DBSC session: sign a fresh one (DBSC #algo-session-request, 403).
  if (!(await takeChallenge(serverStore(context), signed, refreshSubject(binding.id), context.policy.now)))
    return challenge(config, context, binding);
  return instructions(config, context, binding);
}

/** 403 with a new challenge for the DBSC session (DBSC #header-secure-session-challenge). */
async function challenge(
  config: DbscConfig,
  context: BoundRequest,
  binding: DeviceBinding,
): Promise<Response> {
  const value = await issueChallenge(
    serverStore(context),
    refreshSubject(binding.id),
    context.policy.now,
    config.challengeTtlMs,
  );
  return answer(403, [[CHALLENGE_HEADER, challengeHeader(value, binding.id)]]);
}

/** 200 with the session instructions (DBSC #format-session-instructions) and a fresh bound cookie. */
async function instructions(
  config: DbscConfig,
  context: BoundRequest,
  binding: DeviceBinding,
): Promise<Response> {
  const body = JSON.stringify({
    session_identifier: binding.id,
    refresh_url: config.refreshPath,
    // The scope's origin is the endpoint's (DBSC #format-session-scope-instructions: its default).
    scope: { include_site: false, scope_specification: [] },
    credentials: [
      {
        type: 'cookie',
        name: boundCookieName(config, context),
        attributes: credentialAttributes(config, context),
      },
    ],
  });
  return answer(
    200,
    [
      ['content-type', 'application/json'],
      ['set-cookie', await boundCookieLine(config, context, binding.id)],
    ],
    body,
  );
}
