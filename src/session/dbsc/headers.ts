/**
 * The DBSC header fields (W3C Device Bound Session Credentials, #format),
 * all Structured Fields (RFC 9651): what the server sends
 * (`Secure-Session-Registration`, `Secure-Session-Challenge`) and what the
 * browser sends back (`Secure-Session-Response`, `Sec-Secure-Session-Id`).
 * Parsing reads untrusted input: it never throws, anything else is absent.
 */
import type { JwsAlgorithm } from '../../crypto/jws.ts';

export const REGISTRATION_HEADER = 'Secure-Session-Registration';
export const CHALLENGE_HEADER = 'Secure-Session-Challenge';
export const RESPONSE_HEADER = 'Secure-Session-Response';
export const SESSION_ID_HEADER = 'Sec-Secure-Session-Id';

/** Printable ASCII: what an sf-string may hold (RFC 9651 §3.3.3). */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** A JWS sent bare rather than as an sf-string, as Chromium sends it. */
const BARE_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A session identifier sent bare, as Chromium sends it: ours are base64url. */
const BARE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `text` can be sent as an sf-string. */
export function isPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}

/** `text` as an sf-string (RFC 9651 §4.1.6): quoted, `"` and `\` escaped. Printable ASCII only. */
export function sfString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * `Secure-Session-Registration` (DBSC #header-secure-session-registration): an inner list of the accepted
 * algorithms as tokens, with the registration path and the challenge.
 */
export function registrationHeader(
  algorithms: readonly JwsAlgorithm[],
  path: string,
  challenge: string,
): string {
  return `(${algorithms.join(' ')});path=${sfString(path)};challenge=${sfString(challenge)}`;
}

/** `Secure-Session-Challenge` (DBSC #header-secure-session-challenge): the challenge, with the session identifier as `id`. */
export function challengeHeader(challenge: string, sessionId: string): string {
  return `${sfString(challenge)};id=${sfString(sessionId)}`;
}

/** The SP and HTAB that may surround a field value (RFC 9110 §5.5). */
function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

/**
 * The sf-string a field value holds (RFC 9651 §4.2.5), its parameters
 * ignored (DBSC #header-secure-session-response, #header-sec-secure-session-id: "Any parameters SHOULD be ignored"); undefined
 * for anything else.
 */
export function parseSfString(value: string | null): string | undefined {
  if (value === null) return undefined;
  const text = trimOws(value);
  if (text.charCodeAt(0) !== 0x22) return undefined;
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const next = text.charCodeAt(++i);
      if (next !== 0x22 && next !== 0x5c) return undefined;
      out += text[i];
    } else if (c === 0x22) {
      const rest = text.slice(i + 1);
      return rest === '' || rest.charCodeAt(0) === 0x3b ? out : undefined;
    } else if (c < 0x20 || c > 0x7e) return undefined;
    else out += text[i];
  }
  return undefined; // no closing quote
}

/** The DBSC proof a request carries in `Secure-Session-Response` (DBSC #header-secure-session-response), or undefined. */
export function proofOf(request: Request): string | undefined {
  const value = request.headers.get(RESPONSE_HEADER);
  if (value === null) return undefined;
  const quoted = parseSfString(value);
  if (quoted !== undefined) return quoted;
  const bare = trimOws(value);
  return BARE_JWS.test(bare) ? bare : undefined;
}

/**
 * The session identifier a refresh names in `Sec-Secure-Session-Id` (DBSC
 * #header-sec-secure-session-id), or undefined. The draft makes it an
 * sf-string; Chromium sends the bare identifier, which is read too.
 */
export function sessionIdOf(request: Request): string | undefined {
  const value = request.headers.get(SESSION_ID_HEADER);
  if (value === null) return undefined;
  const quoted = parseSfString(value);
  if (quoted !== undefined) return quoted;
  const bare = trimOws(value);
  return BARE_ID.test(bare) ? bare : undefined;
}
