export {
  parseCookies,
  getCookie,
  cookieHeaderOf,
  type CookieSource,
  type Cookies,
  type CookieReadOptions,
} from './parse.ts';
export {
  serializeCookie,
  encodeCookieValue,
  MAX_COOKIE_AGE_SECONDS,
  MAX_NAME_VALUE_BYTES,
  MAX_ATTRIBUTE_BYTES,
  type CookieOptions,
  type SameSite,
  type Priority,
} from './serialize.ts';
export {
  setCookie,
  deleteCookie,
  appendSetCookie,
  serializeDeletion,
  type SetCookieTarget,
  type SetCookieOptions,
  type DeleteCookieOptions,
} from './headers.ts';
export {
  COOKIE_PURPOSES,
  CONSENT_PURPOSES,
  isCookiePurpose,
  declaredPurpose,
  type CookiePurpose,
  type ConsentPurpose,
} from './purpose.ts';
export { readSetCookie, isDeletion, type SetCookieLine } from './set-cookie-line.ts';
