/**
 * A session record as RedisStore keeps it — the JSON text `JSON.stringify`
 * makes of it, plus the store's `#index` member — and a patch as the
 * arguments of the update script, its keys quoted as `JSON.stringify` quotes
 * them (redis-lua.ts says why). Records are read back with `parseJson`
 * (JSON.parse misnames escaped keys in the V8 of workerd and Deno).
 */
import type { SessionPatch, SessionRecord } from '../../session/types.ts';
import { parseJson } from '../../util/parse-json.ts';
import { replyText } from './connection.ts';

/** The store's own member of a stored record: how far the user's index entry reaches (ms). */
const INDEX = '#index';

/** The text stored for `record`, with how far its user's index entry reaches when it has a user. */
export function recordText(record: SessionRecord, bound?: number): string {
  return JSON.stringify(bound === undefined ? record : { ...record, [INDEX]: bound });
}

/** The record in a `GET` reply, or null. */
export function decodeRecord(reply: unknown): SessionRecord | null {
  const text = replyText(reply);
  if (text === null) return null;
  const record = parseJson(text) as SessionRecord & { [INDEX]?: number };
  if (INDEX in record) delete record[INDEX];
  return record;
}

/** The update script's arguments after the index claim: the patch's operations, each counted. */
export function patchOperations(patch: SessionPatch): string[] {
  const out: string[] = [String(patch.unset?.length ?? 0)];
  for (const key of patch.unset ?? []) out.push(JSON.stringify(key));
  const each = <V>(entries: Record<string, V> | undefined, write: (value: V) => void) => {
    const keys = entries === undefined ? [] : Object.keys(entries);
    out.push(String(keys.length));
    for (const key of keys) {
      out.push(JSON.stringify(key));
      write(entries![key]!);
    }
  };
  const json = (value: unknown) => out.push(JSON.stringify(value));
  const list = (values: unknown[]) =>
    out.push(String(values.length), ...values.map((v) => JSON.stringify(v)));
  each(patch.set, json);
  each(patch.increment, (by) => out.push(String(by)));
  each(patch.pull, list);
  each(patch.push, list);
  each(patch.consumed, json);
  each(patch.flash, json);
  return out;
}

/** The update script's first arguments: the request's time, timeouts, user field and `persist`. */
export function patchHead(patch: SessionPatch): string[] {
  const persist = patch.persist;
  return [
    String(patch.now),
    String(patch.idleMs),
    String(patch.absoluteMs),
    JSON.stringify(patch.userField),
    persist === undefined ? '' : persist === false ? '0' : '1',
    persist ? optional(persist.idleMs) : '',
    persist ? optional(persist.absoluteMs) : '',
  ];
}

const optional = (value: number | undefined): string => (value === undefined ? '' : String(value));
