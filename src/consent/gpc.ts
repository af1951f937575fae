/**
 * Global Privacy Control (https://privacycg.github.io/gpc-spec/): a browser
 * setting sent as the request header `Sec-GPC: 1`. California treats it as a
 * valid request to opt out of the sale and sharing of personal information
 * (CCPA/CPRA regulations, 11 CCR §7025).
 */

/** The GPC request header. */
export const GPC_HEADER = 'sec-gpc';

/**
 * Whether the request carries Global Privacy Control. The spec defines one
 * value, `1`; any other value (`0`, `true`, `1, 1` from a repeated header, an
 * empty one) is treated as no signal. Never throws.
 */
export function globalPrivacyControl(source: Request | Headers): boolean {
  const headers = 'headers' in source ? source.headers : source;
  // Headers.get already strips leading and trailing whitespace (Fetch "normalize").
  return headers.get(GPC_HEADER) === '1';
}
