/**
 * A session record as the fields of one Redis hash, and a patch as the
 * arguments of the update script (the layout is described in
 * redis-update-script.ts). Every data and flash value is its own JSON text,
 * read back with `parseJson` (JSON.parse misnames escaped keys in the V8 of
 * workerd and Deno).
 */
import { define } from '../session/json.ts';
import type { SessionPatch, SessionRecord } from '../session/types.ts';
import { parseJson } from '../util/parse-json.ts';
import { replyPairs } from './redis-connection.ts';

/** The hash fields and values of `record`, flat, plus `#x` (the index bound) when given. */
export function recordFields(record: SessionRecord, bound?: number): string[] {
  const fields = ['#c', String(record.createdAt), '#l', String(record.lastSeenAt)];
  fields.push('#e', String(record.expiresAt));
  if (record.userId !== undefined) fields.push('#u', JSON.stringify(record.userId));
  if (record.authenticatedAt !== undefined) fields.push('#a', String(record.authenticatedAt));
  if (record.persistent) fields.push('#p', '1');
  if (record.idleMs !== undefined) fields.push('#i', String(record.idleMs));
  if (record.absoluteMs !== undefined) fields.push('#b', String(record.absoluteMs));
  if (record.meta !== undefined) fields.push('#m', JSON.stringify(record.meta));
  if (bound !== undefined) fields.push('#x', String(bound));
  for (const key of Object.keys(record.data)) fields.push(`d${key}`, JSON.stringify(record.data[key]));
  for (const key of Object.keys(record.flash)) fields.push(`f${key}`, JSON.stringify(record.flash[key]));
  return fields;
}

/** The record in an `HGETALL` reply, or null for none (or one without its timestamps). */
export function decodeRecord(reply: unknown): SessionRecord | null {
  const data: Record<string, unknown> = {};
  const flash: Record<string, unknown> = {};
  const meta = new Map<string, string>();
  for (const [field, value] of replyPairs(reply)) {
    const kind = field.charCodeAt(0);
    if (kind === 0x64)
      define(data, field.slice(1), parseJson(value)); // d
    else if (kind === 0x66)
      define(flash, field.slice(1), parseJson(value)); // f
    else meta.set(field, value);
  }
  const number = (field: string) => (meta.has(field) ? Number(meta.get(field)) : undefined);
  const [createdAt, lastSeenAt, expiresAt] = [number('#c'), number('#l'), number('#e')];
  if (createdAt === undefined || lastSeenAt === undefined || expiresAt === undefined) return null;
  // The order applyPatch gives the optional fields.
  const record: SessionRecord = { data, flash, createdAt, lastSeenAt, expiresAt };
  if (meta.has('#u')) record.userId = parseJson(meta.get('#u')!) as string;
  const authenticatedAt = number('#a');
  if (authenticatedAt !== undefined) record.authenticatedAt = authenticatedAt;
  if (meta.has('#p')) record.persistent = true;
  const [idleMs, absoluteMs] = [number('#i'), number('#b')];
  if (idleMs !== undefined) record.idleMs = idleMs;
  if (absoluteMs !== undefined) record.absoluteMs = absoluteMs;
  if (meta.has('#m')) record.meta = parseJson(meta.get('#m')!) as NonNullable<SessionRecord['meta']>;
  return record;
}

/** The update script's arguments after the index claim: the patch's operations, each counted. */
export function patchOperations(patch: SessionPatch): string[] {
  const out: string[] = [];
  const each = <V>(entries: Record<string, V> | undefined, write: (key: string, value: V) => void) => {
    const keys = entries === undefined ? [] : Object.keys(entries);
    out.push(String(keys.length));
    for (const key of keys) write(key, entries![key]!);
  };
  const json = (key: string, value: unknown) => out.push(key, JSON.stringify(value));
  const list = (key: string, values: unknown[]) =>
    out.push(key, String(values.length), ...values.map((value) => JSON.stringify(value)));
  out.push(String(patch.unset?.length ?? 0), ...(patch.unset ?? []));
  each(patch.set, json);
  each(patch.increment, (key, by) => out.push(key, String(by)));
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
    patch.userField,
    persist === undefined ? '' : persist === false ? '0' : '1',
    persist ? optional(persist.idleMs) : '',
    persist ? optional(persist.absoluteMs) : '',
  ];
}

const optional = (value: number | undefined): string => (value === undefined ? '' : String(value));
