/**
 * A session record as RedisStore keeps it: a Redis hash with
 * - `d<key>` and `f<key>` for each data and flash member, `key` quoted as
 *   `JSON.stringify` quotes it, holding "<number> <the value's JSON>": the
 *   number orders members as they were added (a hash has no order), so a
 *   record reads back with its keys in the order `applyPatch` gives them;
 * - one field per other record field (`createdAt`, `userId`, …), its JSON;
 * - `#`, the store's state (lua.ts): write version, last member number, the
 *   size of the record's JSON text, member counts, how far the user's index
 *   entry reaches.
 * A patch goes to the update script as arguments, its keys quoted the same
 * way. Records are read back with `parseJson` (JSON.parse misnames escaped
 * keys in the V8 of workerd and Deno).
 */
import { utf8Length } from '../../session/record.ts';
import type { SessionPatch, SessionRecord } from '../../session/types.ts';
import { parseJson } from '../../util/parse-json.ts';
import { replyText } from './connection.ts';

/** The record's fields other than data and flash, in the order a read writes them (applyPatch's). */
const HEAD = [
  'createdAt',
  'lastSeenAt',
  'expiresAt',
  'userId',
  'authenticatedAt',
  'keptAt',
  'persistent',
  'idleMs',
  'absoluteMs',
  'meta',
  'deviceBound',
  'rotation',
] as const;

/** `{"data":` `,"flash":` `}`: what the JSON text of a record has besides its members. */
const FRAME = 18;

/** A record as the set script's arguments. */
export interface EncodedRecord {
  /** Field, value, field, value, … of the hash. */
  fields: string[];
  /** The state field without its write version (the script adds it). */
  state: string;
  /** Size of the record's JSON text in UTF-8 bytes. */
  bytes: number;
}

/** The hash of `record`, with how far its user's index entry reaches when it has a user. */
export function encodeRecord(record: SessionRecord, bound?: number): EncodedRecord {
  const fields: string[] = [];
  let seq = 0;
  let bytes = FRAME;
  const members = (kind: string, values: Record<string, unknown>): number => {
    let n = 0;
    for (const key of Object.keys(values)) {
      const value = JSON.stringify(values[key]) as string | undefined;
      if (value === undefined) continue; // JSON.stringify leaves such members out too
      const name = JSON.stringify(key);
      fields.push(kind + name, `${++seq} ${value}`);
      bytes += utf8Length(name) + 1 + utf8Length(value) + (n > 0 ? 1 : 0);
      n++;
    }
    return n;
  };
  const dn = members('d', record.data);
  const fn = members('f', record.flash);
  bytes += 4; // the braces of data and flash
  for (const name of HEAD) {
    const value = record[name];
    if (value === undefined) continue;
    const text = JSON.stringify(value);
    fields.push(name, text);
    bytes += name.length + 4 + utf8Length(text);
  }
  return { fields, state: `${seq} ${bytes} ${dn} ${fn} ${bound ?? 0}`, bytes };
}

/**
 * How far a user's index entry reaches for a write that knows only the
 * expiry: one more idle period past it, so the next few updates need not
 * extend it (an update asks for the absolute deadline once it knows it).
 */
export function reach(expiresAt: number, lastSeenAt: number): number {
  return expiresAt + Math.max(0, expiresAt - lastSeenAt);
}

/** A hash reply (`HGETALL`) as a flat field, value, … array: as it comes (RESP2), or from a map (RESP3, Bun). */
function flatOf(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply;
  const flat: unknown[] = [];
  if (reply instanceof Map) {
    for (const [field, value] of reply) flat.push(field, value);
  } else if (typeof reply === 'object' && reply !== null) {
    for (const field of Object.keys(reply)) flat.push(field, (reply as Record<string, unknown>)[field]);
  }
  return flat;
}

/** Each head field's place in HEAD. */
const HEAD_AT = new Map<string, number>(HEAD.map((name, at) => [name, at]));

/** A data or flash member read back: its number (the order it was added in) and `"key":json`. */
interface Member {
  at: number;
  text: string;
}

/** Members in the order they were added, joined with commas (a hash returns them in any order). */
function joined(members: Member[]): string {
  let sorted = true;
  for (let i = 1; i < members.length; i++) if (members[i]!.at < members[i - 1]!.at) sorted = false;
  if (!sorted) members.sort((a, b) => a.at - b.at);
  let text = '';
  for (let i = 0; i < members.length; i++) text += i === 0 ? members[i]!.text : `,${members[i]!.text}`;
  return text;
}

/** A stored session read back: the record (or null) and its write version. */
export interface Stored {
  record: SessionRecord | null;
  version: string;
}

/**
 * The record in an `HGETALL` reply, or null when there is none. Every
 * session request reads one, so it makes one JSON text in one pass and
 * parses it once.
 */
export function decodeRecord(reply: unknown): Stored {
  const flat = flatOf(reply);
  const data: Member[] = [];
  const flash: Member[] = [];
  const head: (string | undefined)[] = [];
  let state: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = textOf(flat[i]);
    const value = textOf(flat[i + 1]);
    const kind = field.charCodeAt(0);
    if ((kind === 100 || kind === 102) && field.charCodeAt(1) === 34) {
      const space = value.indexOf(' ');
      const member = {
        at: Number(value.slice(0, space)),
        text: `${field.slice(1)}:${value.slice(space + 1)}`,
      };
      (kind === 100 ? data : flash).push(member);
    } else if (field === '#') state = value;
    else {
      const at = HEAD_AT.get(field);
      if (at !== undefined) head[at] = value;
    }
  }
  if (state === undefined) return { record: null, version: '' };
  // One JSON text, parsed once: members in the order they were added, keys as JSON.parse orders them.
  let text = `{"data":{${joined(data)}},"flash":{${joined(flash)}}`;
  for (let at = 0; at < HEAD.length; at++) {
    const value = head[at];
    if (value !== undefined) text += `,"${HEAD[at]}":${value}`;
  }
  return { record: parseJson(`${text}}`) as SessionRecord, version: state.slice(0, state.indexOf(' ')) };
}

const textOf = (reply: unknown): string => (typeof reply === 'string' ? reply : (replyText(reply) ?? ''));

/** Where the update script's index claim starts in its arguments (index.ts fills it in). */
export const CLAIM_AT = 6;

/**
 * The update script's arguments (update-script.ts): the request's time,
 * timeouts and `persist`, an empty index claim, the size limit, the idle
 * expiry (what expiresAt most often becomes, as JavaScript writes it), the hash
 * fields the patch reads (its "slots", each once, the user field's member
 * first), then the patch's operations, each counted, members named by slot.
 */
export function updateArguments(patch: SessionPatch, limit: string): string[] {
  const persist = patch.persist;
  const fields = [`d${JSON.stringify(patch.userField)}`];
  const slots = new Map<string, string>([[fields[0]!, '1']]);
  // The seven operations' counts, then their items.
  const counts: string[] = [];
  const items: string[] = [];
  const unset = patch.unset;
  counts.push(String(unset === undefined ? 0 : unset.length));
  if (unset !== undefined) {
    for (const key of unset) {
      const name = JSON.stringify(key);
      items.push(slotOf(fields, slots, `d${name}`), slotOf(fields, slots, `f${name}`));
    }
  }
  members(counts, items, fields, slots, 'd', patch.set, VALUE);
  members(counts, items, fields, slots, 'd', patch.increment, NUMBER);
  members(counts, items, fields, slots, 'd', patch.pull, LIST);
  members(counts, items, fields, slots, 'd', patch.push, LIST);
  members(counts, items, fields, slots, 'f', patch.consumed, VALUE);
  members(counts, items, fields, slots, 'f', patch.flash, VALUE);
  // The rotate op: a count (0 or 1), then from, to and at (validators are base64url: no escaping).
  const rotate = patch.rotate;
  if (rotate === undefined) items.push('0');
  else items.push('1', rotate.from, rotate.to, String(rotate.at));
  const args = [
    String(patch.now),
    String(patch.idleMs),
    String(patch.absoluteMs),
    persist === undefined ? '' : persist === false ? '0' : '1',
    persist ? optional(persist.idleMs) : '',
    persist ? optional(persist.absoluteMs) : '',
    '',
    '0',
    '0',
    limit,
    String(patch.now + patch.idleMs),
    String(fields.length),
  ];
  for (const field of fields) args.push(field);
  for (const count of counts) args.push(count);
  for (const item of items) args.push(item);
  return args;
}

const VALUE = 0;
const NUMBER = 1;
const LIST = 2;

/** The slot number of a hash field, given one when it has none yet. */
function slotOf(fields: string[], slots: Map<string, string>, field: string): string {
  let slot = slots.get(field);
  if (slot === undefined) {
    fields.push(field);
    slot = String(fields.length);
    slots.set(field, slot);
  }
  return slot;
}

/** One operation: its count, and each member's slot and its value (JSON), number, or counted list. */
function members(
  counts: string[],
  ops: string[],
  fields: string[],
  slots: Map<string, string>,
  kind: string,
  entries: Record<string, unknown> | undefined,
  form: number,
): void {
  if (entries === undefined) {
    counts.push('0');
    return;
  }
  const keys = Object.keys(entries);
  counts.push(String(keys.length));
  for (const key of keys) {
    const value = entries[key];
    ops.push(slotOf(fields, slots, kind + JSON.stringify(key)));
    if (form === VALUE) ops.push(JSON.stringify(value));
    else if (form === NUMBER) ops.push(String(value));
    else {
      const list = value as unknown[];
      ops.push(String(list.length));
      for (const item of list) ops.push(JSON.stringify(item));
    }
  }
}

const optional = (value: number | undefined): string => (value === undefined ? '' : String(value));
