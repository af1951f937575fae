/**
 * The cookie-date algorithm of RFC 6265bis §5.1.1: how a browser reads a
 * `Set-Cookie` `Expires` value. It is stricter and odder than `Date.parse`
 * (`Expires=0` and `Expires=1970-01-01` are no dates to a browser, which then
 * keeps a session cookie), so code that decides what a line does must read
 * the date the same way.
 */

// delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
const DELIMITERS = /[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+/;
// time = hms-time [ non-digit *OCTET ]; hms-time = time-field ":" time-field ":" time-field
const TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/;
// day-of-month = 1*2DIGIT [ non-digit *OCTET ]
const DAY = /^(\d{1,2})(?:\D|$)/;
// year = 2*4DIGIT [ non-digit *OCTET ]
const YEAR = /^(\d{2,4})(?:\D|$)/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The instant (ms since the epoch, UTC) a cookie-date names, or null when a browser would ignore it. Never throws. */
export function parseCookieDate(text: string): number | null {
  let time: number[] | undefined;
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;
  for (const token of text.split(DELIMITERS)) {
    if (token === '') continue;
    let match: RegExpExecArray | null;
    if (time === undefined && (match = TIME.exec(token))) {
      time = [Number(match[1]), Number(match[2]), Number(match[3])];
    } else if (day === undefined && (match = DAY.exec(token))) {
      day = Number(match[1]);
    } else if (month === undefined && MONTHS.includes(token.slice(0, 3).toLowerCase())) {
      month = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
    } else if (year === undefined && (match = YEAR.exec(token))) {
      year = Number(match[1]);
    }
  }
  if (time === undefined || day === undefined || month === undefined || year === undefined) return null;
  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;
  const [hour, minute, second] = time as [number, number, number];
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) return null;
  const instant = Date.UTC(year, month, day, hour, minute, second);
  // A day the month does not have (30 February) is no date either.
  return new Date(instant).getUTCDate() === day ? instant : null;
}
