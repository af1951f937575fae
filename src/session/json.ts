/**
 * Session values are plain JSON, so that whatever a write accepts the next
 * read returns exactly — on every store, whatever its serialization. A value
 * JSON would change on the way (a `Date` becomes a string, `NaN` becomes
 * `null`, a `Map` becomes `{}`, `undefined` disappears) is refused when it is
 * written, not discovered later. Values cross the session boundary as copies:
 * mutating what `get` returned, or what was passed to `set`, changes nothing.
 */

/**
 * A deep copy of `value` if it is plain JSON; otherwise a `TypeError` that
 * starts with `what` (and `value for "key"` when a key is given: the message
 * is built only then) and says where in the value the problem is.
 */
export function copyJson(value: unknown, what: string, key?: string): unknown {
  // Most session values are strings, finite numbers or booleans: nothing to copy or track.
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(value))) return value;
  try {
    return copy(value, '', new Set());
  } catch (error) {
    if (error instanceof NotJson)
      throw new TypeError(
        `${key === undefined ? what : `${what}: value for "${key}"`} is not JSON-serializable: ${error.message}; ` +
          'session values must be plain JSON',
      );
    throw error;
  }
}

class NotJson extends Error {}

function copy(value: unknown, path: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return value;
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw notJson(path, 'a circular reference');
      ancestors.add(value);
      let out: unknown;
      if (Array.isArray(value)) {
        const list: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw notJson(`${path}[${i}]`, 'a hole in a sparse array');
          list[i] = copy(value[i], `${path}[${i}]`, ancestors);
        }
        out = list;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw notJson(path, `a ${(value as object).constructor?.name ?? 'non-plain'} object`);
        }
        const record: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          define(record, key, copy((value as Record<string, unknown>)[key], `${path}.${key}`, ancestors));
        }
        out = record;
      }
      ancestors.delete(value);
      return out;
    }
    default:
      throw notJson(path, typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`);
  }
}

function notJson(path: string, what: string): NotJson {
  return new NotJson(`${path === '' ? 'it' : `\`${path}\``} is ${what}`);
}

/** A deep copy of a value that is already plain JSON (read from a store). */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, cloneJson((value as Record<string, unknown>)[key]));
  return out as T;
}

/**
 * Whether two JSON values are equal: same type, numbers and strings equal,
 * arrays element by element, objects with the same keys in any order.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/**
 * Sets an own data property. Plain assignment would run the `__proto__`
 * setter for that key; objects stay ordinary (not null-prototype) because
 * structured clone — Durable Object RPC — refuses null-prototype objects.
 */
export function define<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** The key checkKey passed last ('' is a safe key, so it can stand for "none yet"). */
let lastKey = '';

const UNSAFE_KEY = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses a session key that some store could not keep apart from another:
 * SQLite JSON paths (D1) end at U+0000, and a lone surrogate has no UTF-8
 * form, so either could alias a different key.
 */
export function checkKey(method: string, key: unknown): asserts key is string {
  // An app writes the same few keys on every request: the last one that passed needs no second look.
  if (key === lastKey) return;
  if (typeof key !== 'string') throw new TypeError(`session.${method}: key must be a string`);
  if (UNSAFE_KEY.test(key))
    throw new TypeError(`session.${method}: key ${JSON.stringify(key)} contains U+0000 or a lone surrogate`);
  lastKey = key;
}
