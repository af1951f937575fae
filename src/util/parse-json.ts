/**
 * `JSON.parse` that is right on every runtime.
 *
 * The V8 in current workerd and Deno (V8 13/15; Node 20's V8 11 is not
 * affected) can give an object key the wrong name: once it has parsed an
 * object whose key contains a backslash (`{"a":1,"\\":2}`), a later object of
 * the same shape whose key at that place is another escaped one-character key
 * (`{"a":1,"\"":2}`) comes back with the earlier key (`\` instead of `"`).
 * Its shortcut for keys it has seen in that place mishandles escapes. Only
 * keys with escape sequences are at risk, and only text with a backslash has
 * any, so text without one goes straight to `JSON.parse`; text with one is
 * checked by `JSON.parse` and then built here, each key and string decoded on
 * its own, where the shortcut cannot apply.
 */

/** Parses JSON text; throws `SyntaxError` on invalid text, like `JSON.parse`. */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (text.indexOf('\\') === -1) return value;
  return new Reader(text).value();
}

class Reader {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  value(): unknown {
    this.#space();
    const c = this.#text.charCodeAt(this.#at);
    if (c === 0x7b) return this.#object();
    if (c === 0x5b) return this.#array();
    if (c === 0x22) return JSON.parse(this.#string()) as string;
    return this.#scalar();
  }

  #object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#at++; // {
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x7d) {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#space();
      const key = JSON.parse(this.#string()) as string;
      this.#space();
      this.#at++; // :
      const value = this.value();
      // An own property even for "__proto__", as JSON.parse makes it.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      this.#space();
      if (this.#text.charCodeAt(this.#at++) === 0x7d) return out; // } (else ,)
    }
  }

  #array(): unknown[] {
    const out: unknown[] = [];
    this.#at++; // [
    this.#space();
    if (this.#text.charCodeAt(this.#at) === 0x5d) {
      this.#at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.#space();
      if (this.#text.charCodeAt(this.#at++) === 0x5d) return out; // ] (else ,)
    }
  }

  /** The text of the string literal at the cursor, quotes included. */
  #string(): string {
    const start = this.#at;
    let at = start + 1;
    for (;;) {
      const c = this.#text.charCodeAt(at);
      if (c === 0x5c) at += 2;
      else if (c === 0x22) break;
      else at++;
    }
    this.#at = at + 1;
    return this.#text.slice(start, this.#at);
  }

  /** A number, true, false or null. */
  #scalar(): unknown {
    const start = this.#at;
    let at = start;
    for (;;) {
      const c = this.#text.charCodeAt(at);
      if (
        Number.isNaN(c) ||
        c === 0x2c ||
        c === 0x5d ||
        c === 0x7d ||
        c === 0x20 ||
        c === 0x09 ||
        c === 0x0a ||
        c === 0x0d
      )
        break;
      at++;
    }
    this.#at = at;
    return JSON.parse(this.#text.slice(start, at));
  }

  #space(): void {
    for (;;) {
      const c = this.#text.charCodeAt(this.#at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.#at++;
    }
  }
}
