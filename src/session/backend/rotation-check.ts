/**
 * What id rotation (rotation.ts) makes of a loaded record, for the store
 * backend: the request's cookie value is current (commit rotates it when
 * due), in grace, or reused — and whether a read cache copy may answer for it.
 */
import type { LoadResult, RequestContext } from '../contracts.ts';
import { validatorOf } from '../id.ts';
import { isLive } from '../record.ts';
import { isRotationDue, judge } from '../rotation.ts';
import type { SessionRecord } from '../types.ts';

/**
 * The load result for `record`, read for the session `id` (store key `key`)
 * that the verified `token` names. Without rotation (or no record) the
 * session is found as it is; with it, the validator decides.
 */
export function judgeLoaded(
  context: RequestContext,
  token: string,
  id: string,
  key: string,
  record: SessionRecord | null,
): LoadResult {
  const { rotation, now } = context.policy;
  // A dead record is the engine's to expire, whatever the cookie carries.
  if (rotation === undefined || record === null || !isLive(record, now, context.policy))
    return { verdict: 'valid', session: record ? { id, key, record } : null };
  const validator = validatorOf(token);
  // A token the app handed out for a header (`session.token()`) carries no
  // validator and does not rotate: the app stores it, not a browser.
  if (context.transport === 'header' && validator === '')
    return { verdict: 'valid', session: { id, key, record } };
  const verdict = judge(record, validator, now, rotation);
  if (verdict === 'reuse') return { verdict: 'valid', session: null, reused: { id, key, record } };
  if (verdict === 'grace') return { verdict: 'valid', session: { id, key, record, inGrace: true } };
  // A header cannot be sent a new value: only cookies rotate (at commit, when due).
  if (context.transport === 'header') return { verdict: 'valid', session: { id, key, record } };
  return { verdict: 'valid', session: { id, key, record, rotates: true } };
}

/**
 * With rotation, a read cache copy serves only a token it holds as current
 * and not yet due: a due rotation, a value in grace or a reuse is judged on
 * the store's record. So a copy never serves past the time its session was
 * due to rotate (at most `every` after the copy's rotation), nor a replaced value.
 */
export function copyServes(context: RequestContext, token: string, record: SessionRecord): boolean {
  const { rotation, now } = context.policy;
  if (rotation === undefined) return true;
  if (context.transport === 'header' && token.length === 43) return true;
  return (
    judge(record, validatorOf(token), now, rotation) === 'current' && !isRotationDue(record, now, rotation)
  );
}
