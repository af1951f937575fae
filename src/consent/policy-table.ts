/**
 * The app's declared cookies as a table for a cookie policy page: name,
 * purpose, what it does and how long it lasts. ePrivacy art. 5(3) asks that
 * visitors get "clear and comprehensive information" about what is stored.
 */
import type { CookiePurpose } from '../cookie/purpose.ts';
import type { Consent } from './consent.ts';

/** One row of the cookie policy table, as text. */
export interface CookiePolicyRow {
  readonly name: string;
  readonly purpose: CookiePurpose;
  /** The purpose in words: "Strictly necessary", "Preferences", "Analytics", "Marketing". */
  readonly category: string;
  readonly description: string;
  /** "1 year", "180 days", "2 hours", "Until you close the browser", "Until 2026-01-31". */
  readonly lifetime: string;
}

const CATEGORIES: Record<CookiePurpose, string> = {
  necessary: 'Strictly necessary',
  preferences: 'Preferences',
  analytics: 'Analytics',
  marketing: 'Marketing',
};

const UNITS: [seconds: number, one: string, many: string][] = [
  [365 * 24 * 60 * 60, 'year', 'years'],
  [24 * 60 * 60, 'day', 'days'],
  [60 * 60, 'hour', 'hours'],
  [60, 'minute', 'minutes'],
  [1, 'second', 'seconds'],
];

/** A lifetime in words: the largest unit that divides it exactly. */
export function describeLifetime(lifetime: number | Date | undefined): string {
  if (lifetime === undefined) return 'Until you close the browser';
  if (lifetime instanceof Date) return `Until ${lifetime.toISOString().slice(0, 10)}`;
  for (const [seconds, one, many] of UNITS) {
    if (lifetime >= seconds && lifetime % seconds === 0) {
      const count = lifetime / seconds;
      return `${count} ${count === 1 ? one : many}`;
    }
  }
  return 'Deleted at once';
}

/** The declared cookies as rows, necessary ones first, then by purpose; declaration order within a purpose. */
export function cookiePolicyRows(consent: Consent): CookiePolicyRow[] {
  const order = Object.keys(CATEGORIES);
  return [...consent.cookies]
    .sort((a, b) => order.indexOf(a.purpose) - order.indexOf(b.purpose))
    .map((cookie) => ({
      name: cookie.name,
      purpose: cookie.purpose,
      category: CATEGORIES[cookie.purpose],
      description: cookie.description ?? '',
      lifetime: describeLifetime(cookie.lifetime),
    }));
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

/** The rows as an HTML `<table>` (every value escaped), ready to put in a page. */
export function cookiePolicyTable(consent: Consent): string {
  const cell = (text: string) => `<td>${escapeHtml(text)}</td>`;
  const rows = cookiePolicyRows(consent).map(
    (row) =>
      `<tr><td><code>${escapeHtml(row.name)}</code></td>${cell(row.category)}${cell(row.description)}${cell(row.lifetime)}</tr>`,
  );
  return (
    '<table class="cookie-policy"><thead><tr><th>Cookie</th><th>Purpose</th><th>What it does</th><th>Lifetime</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}
