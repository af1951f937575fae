/**
 * RFC 9110 §5.6.2 `token`: the grammar of header field names and cookie
 * names (`1*tchar`).
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `value` is an RFC 9110 token (a valid header field name or cookie name). */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}
