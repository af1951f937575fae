/**
 * `Cookie` request-header parsing (RFC 6265bis; section numbers in this module
 * follow draft-ietf-httpbis-rfc6265bis-22). Servers receive
 *
 *   cookie-string = cookie-pair *( ";" SP cookie-pair )      (§4.2.1)
 *   cookie-pair   = cookie-name BWS "=" BWS cookie-value
 *
 * but parse leniently, as user agents do (§5.6): pairs split on ";", names and
 * values trimmed of SP and HTAB only. Linear time, never throws, first
 * occurrence of a name wins.
 */

/** Something a cookie header can be read from. */
export type CookieSource = string | Headers | { readonly headers: Headers } | null | undefined;

/** Cookie names mapped to values; the object has no prototype. */
export type Cookies = Record<string, string>;

const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;

// §5.6: a name or value with a CTL other than HTAB (%x00-08 / %x0A-1F / %x7F) makes the
// user agent ignore the cookie, so a server must not trust such a pair either.
// Written as an anchored full match: V8 runs it about twice as fast as an
// unanchored search for one control character.
const NO_CONTROLS = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;
// Printable ASCII (SP to `~`) eight characters a step: V8's regex engine
// checks a fixed run of classes about twice as fast as `[ -~]*` does one
// character at a time. Sticky, with nothing after the loop, so it never
// backtracks (an anchored `^(?:…)*$` would, quadratically, on a failing
// header): it stops before the first run holding another character, and
// lastIndex says where. A header that fails (HTAB, non-ASCII, a control
// character) goes on to NO_CONTROLS.
const PRINTABLE_RUN = /(?:[ -~][ -~][ -~][ -~][ -~][ -~][ -~][ -~])*/y;

function isPrintableAscii(s: string): boolean {
  PRINTABLE_RUN.lastIndex = 0;
  PRINTABLE_RUN.test(s);
  for (let i = PRINTABLE_RUN.lastIndex; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < SP || c > 0x7e) return false;
  }
  return true;
}

/**
 * @internal Whether `header` has no control character: the check
 * parseCookies makes first (the benchmark measures it on its own).
 */
export function hasNoControls(header: string): boolean {
  return isPrintableAscii(header) || NO_CONTROLS.test(header);
}

const HEX = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) table[0x41 + i] = table[0x61 + i] = 10 + i;
  return table;
})();

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX[c]! : -1;
}

/**
 * `decodeURIComponent(raw)`, or `raw` itself when that throws. Escapes of
 * ASCII bytes (the usual `%22`, `%2C`, `%3A` in JSON-ish values) are decoded
 * here, a few times faster than the native call; anything else (UTF-8
 * sequences, malformed escapes) goes to the native decoder.
 */
export function decodeCookieValue(raw: string): string {
  let at = raw.indexOf('%');
  if (at === -1) return raw;
  let out = '';
  let last = 0;
  do {
    const high = hexAt(raw, at + 1);
    const low = hexAt(raw, at + 2);
    if (high < 0 || high > 7 || low < 0) {
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
    out += raw.slice(last, at) + String.fromCharCode((high << 4) | low);
    last = at + 3;
    at = raw.indexOf('%', last);
  } while (at !== -1);
  return out + raw.slice(last);
}

/** Reads the raw `Cookie` header from a string, `Headers` or `Request`. */
export function cookieHeaderOf(source: CookieSource): string | null {
  if (typeof source === 'string') return source;
  if (source == null || typeof source !== 'object') return null;
  try {
    const headers = 'headers' in source ? source.headers : source;
    return typeof headers?.get === 'function' ? headers.get('cookie') : null;
  } catch {
    return null;
  }
}

// Only SP and HTAB are whitespace here (RFC 6265bis OWS). String.prototype.trim
// would also eat U+00A0, U+FEFF… and let "\u00a0__Host-sid" shadow "__Host-sid".
function skipSpaceForward(s: string, from: number, to: number): number {
  while (from < to) {
    const c = s.charCodeAt(from);
    if (c !== SP && c !== HTAB) break;
    from++;
  }
  return from;
}

function skipSpaceBackward(s: string, from: number, to: number): number {
  while (to > from) {
    const c = s.charCodeAt(to - 1);
    if (c !== SP && c !== HTAB) break;
    to--;
  }
  return to;
}

/** Options for reading cookie values. */
export interface CookieReadOptions {
  /**
   * Default true: strip one pair of surrounding DQUOTEs and decode `%XX`.
   * `false` returns the value exactly as sent (trimmed of SP and HTAB only):
   * what a credential must be checked on, so that another spelling of the
   * same bytes is a different, invalid credential.
   */
  decode?: boolean;
}

/** Trims, unquotes once and percent-decodes the value `s[start, end)` (only trims when `decode` is false). */
function finishValue(s: string, start: number, end: number, decode = true): string {
  start = skipSpaceForward(s, start, end);
  end = skipSpaceBackward(s, start, end);
  if (!decode) return s.slice(start, end);
  // cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )   (§4.1.1): one pair of DQUOTEs is stripped.
  if (end - start >= 2 && s.charCodeAt(start) === DQUOTE && s.charCodeAt(end - 1) === DQUOTE) {
    start++;
    end--;
  }
  return decodeCookieValue(s.slice(start, end));
}

// Finds control characters after a header failed NO_CONTROLS (the rare path).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** Index of the first control character at or after `from`, or `s.length`. */
function nextControl(s: string, from: number): number {
  CONTROL.lastIndex = from;
  const found = CONTROL.exec(s);
  return found === null ? s.length : found.index;
}

/**
 * Parses a `Cookie` header into a null-prototype record.
 *
 * Pairs without `=`, with an empty name, or with control characters are
 * skipped; the first occurrence of a name wins; `%XX` escapes are decoded when
 * the whole value decodes, else the raw value is kept. Never throws.
 */
export function parseCookies(header: string | null | undefined, options?: CookieReadOptions): Cookies {
  // A dictionary-mode record in V8. A fast-mode one with the same null
  // prototype (a constructor whose prototype is Object.create(null), then
  // Object.setPrototypeOf(record, null) while it is empty) measured within a
  // few percent on the top-site headers and 5-25 % slower on a 2-cookie
  // header: the prototype change is a runtime call per record.
  const out: Cookies = Object.create(null);
  if (typeof header !== 'string') return out;
  const decode = options?.decode !== false;
  const len = header.length;
  // Each of these is the next `=`, control character or `%` at or after some
  // earlier position, searched again only once the scan has passed it: every
  // character is searched once for each, so the whole parse stays linear.
  let eq = -1;
  // One anchored regex over the header is the cheapest check in V8 for the
  // usual header without control characters; only a failing header is searched.
  let control = hasNoControls(header) ? len : nextControl(header, 0);
  let percent = decode ? -1 : len;
  let pos = 0;
  while (pos < len) {
    let end = header.indexOf(';', pos);
    if (end === -1) end = len;
    if (eq < pos) {
      eq = header.indexOf('=', pos);
      if (eq === -1) break;
    }
    if (control < pos) control = nextControl(header, pos);
    // A control character anywhere in [pos, end) lies in the name or the value:
    // the rest of the span is SP, HTAB and the `=`.
    if (eq < end && control >= end) {
      let nameStart = pos;
      let c = header.charCodeAt(nameStart);
      while (c === SP || c === HTAB) c = header.charCodeAt(++nameStart);
      let nameEnd = eq;
      c = header.charCodeAt(nameEnd - 1);
      while ((c === SP || c === HTAB) && nameEnd > nameStart) c = header.charCodeAt(--nameEnd - 1);
      if (nameEnd > nameStart) {
        const name = header.slice(nameStart, nameEnd);
        if (out[name] === undefined) {
          let start = eq + 1;
          let stop = end;
          c = header.charCodeAt(start);
          while ((c === SP || c === HTAB) && start < stop) c = header.charCodeAt(++start);
          c = header.charCodeAt(stop - 1);
          while ((c === SP || c === HTAB) && stop > start) c = header.charCodeAt(--stop - 1);
          if (!decode) {
            out[name] = header.slice(start, stop);
          } else {
            // cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )   (§4.1.1): one pair of DQUOTEs is stripped.
            if (stop - start >= 2 && header.charCodeAt(start) === DQUOTE && c === DQUOTE) {
              start++;
              stop--;
            }
            if (percent < start) {
              percent = header.indexOf('%', start);
              if (percent === -1) percent = len;
            }
            const raw = header.slice(start, stop);
            out[name] = percent < stop ? decodeCookieValue(raw) : raw;
          }
        }
      }
    }
    pos = end + 1;
  }
  return out;
}

/**
 * Reads one cookie by name without building the whole record. Agrees with
 * `parseCookies(header)[name]` for every header and name.
 *
 * @param source a `Request`, `Headers` or the raw header string
 */
export function getCookie(
  source: CookieSource,
  name: string,
  options?: CookieReadOptions,
): string | undefined {
  const header = typeof source === 'string' ? source : cookieHeaderOf(source);
  if (header === null || typeof name !== 'string' || (name !== memo.name && !rememberName(name)))
    return undefined;
  // Kept this small so that the usual answer, an absent name, costs one indexOf.
  const found = header.indexOf(memo.probe, memo.skip);
  return found === -1 ? undefined : findPair(header, name, found, options?.decode !== false);
}

/** The rest of getCookie, from `found`, the first place `memo.probe` occurs. */
function findPair(header: string, name: string, found: number, decode: boolean): string | undefined {
  const skip = memo.skip;
  const probe = memo.probe;
  const nameLen = name.length;
  const len = header.length;
  while (found !== -1) {
    const at = found - skip;
    if (skip === 0 || header.startsWith(name, at)) {
      const before = skipSpaceBackward(header, 0, at);
      const afterName = skipSpaceForward(header, at + nameLen, len);
      if ((before === 0 || header.charCodeAt(before - 1) === SEMI) && header.charCodeAt(afterName) === EQ) {
        let end = header.indexOf(';', afterName);
        if (end === -1) end = len;
        if (NO_CONTROLS.test(header.slice(afterName, end)))
          return finishValue(header, afterName + 1, end, decode);
        // A pair with a control character is ignored: look past it.
        found = header.indexOf(probe, end + skip);
        continue;
      }
    }
    found = header.indexOf(probe, found + 1);
  }
  return undefined;
}

// Apps ask for the same one or two names on every request: remember the last
// name that passed isPlainName (never the empty name, which fails it) and the
// part of it to search for, `probe` = `name.slice(skip)`. One object: one
// module binding to load instead of three.
const memo = { name: undefined as string | undefined, probe: '', skip: 0 };

/** Remembers `name` for getCookie if parseCookies could ever produce it. */
function rememberName(name: string): boolean {
  if (!isPlainName(name)) return false;
  memo.name = name;
  memo.skip = probeStart(name);
  memo.probe = memo.skip === 0 ? name : name.slice(memo.skip);
  return true;
}

/**
 * Where the searched part of a name starts: after a leading run of characters
 * other than ASCII letters and digits, if any letter or digit follows. V8's
 * substring search scans for the pattern's first character, and the `_`
 * and `-` that open prefixed names (`__Host-`, `__Secure-`, `_ga`) are among
 * the most common characters of a cookie header: searching `Host-sid` and
 * checking the `__` in place rejects an absent `__Host-sid` (the session
 * cookie on a first visit) in about 40 % of the time on the top-site headers.
 */
function probeStart(name: string): number {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return i;
  }
  return 0;
}

/** A name `parseCookies` could ever produce: non-empty, no `;`, `=`, CTLs or edge OWS. */
function isPlainName(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  return (
    first !== SP &&
    first !== HTAB &&
    last !== SP &&
    last !== HTAB &&
    name.indexOf(';') === -1 &&
    name.indexOf('=') === -1 &&
    NO_CONTROLS.test(name)
  );
}
