/**
 * A simulated DBSC browser (W3C Device Bound Session Credentials, the
 * draft's registration and refresh exchanges) for tests: a key pair made
 * with Web Crypto (ES256 or RS256, never extractable), a cookie jar that
 * honours Max-Age on a test clock, and the user agent's side of the
 * protocol — register on `Secure-Session-Registration`, and before a
 * request whose bound cookie is missing, refresh: POST the refresh URL with
 * `Sec-Secure-Session-Id`, answer a 403's `Secure-Session-Challenge` with a
 * signed proof, retry once.
 */
import { encodeBase64url } from '../../src/crypto/base64url.ts';
import { ORIGIN } from './helpers.ts';

export type Fetch = (request: Request) => Promise<Response>;
type Alg = 'ES256' | 'RS256';

interface Stored {
  value: string;
  expiresAt: number;
}

/** One DBSC session the browser holds. */
export interface BrowserSession {
  id: string;
  refreshUrl: string;
  cookieName: string;
  attributes: string;
  keys: CryptoKeyPair;
  alg: Alg;
  /** A challenge the server sent ahead of time (a Secure-Session-Challenge on a 200). */
  challenge?: string | undefined;
}

const text = (value: string) => new TextEncoder().encode(value);
const b64json = (value: unknown) => encodeBase64url(text(JSON.stringify(value)));

/** A key pair for `alg`, its private key not extractable, as a browser keeps it. */
export function makeKeys(alg: Alg): Promise<CryptoKeyPair> {
  return (
    alg === 'ES256'
      ? crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
      : crypto.subtle.generateKey(
          {
            name: 'RSASSA-PKCS1-v1_5',
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: 'SHA-256',
          },
          false,
          ['sign', 'verify'],
        )
  ) as Promise<CryptoKeyPair>;
}

/** The public JWK, reduced to its defining members. */
export async function publicJwk(keys: CryptoKeyPair): Promise<Record<string, string>> {
  const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
  return jwk.kty === 'EC'
    ? { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y! }
    : { kty: 'RSA', n: jwk.n!, e: jwk.e! };
}

/** A compact JWS over `header` and `payload`, signed with `keys` (ES256: raw r‖s, as Web Crypto gives it). */
export async function signJws(
  keys: CryptoKeyPair,
  alg: Alg,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${b64json({ alg, ...header })}.${b64json(payload)}`;
  const params = alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const signature = await crypto.subtle.sign(params, keys.privateKey, text(input));
  return `${input}.${encodeBase64url(new Uint8Array(signature))}`;
}

/** The first sf-string parameter `name` of a structured header value. */
function param(value: string, name: string): string | undefined {
  return new RegExp(`;${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(value)?.[1]?.replace(/\\(.)/g, '$1');
}

export class DbscBrowser {
  readonly jar = new Map<string, Stored>();
  readonly sessions = new Map<string, BrowserSession>();
  /** Every request the browser sent, for assertions: method, path and status. */
  readonly log: string[] = [];
  readonly #fetch: Fetch;
  readonly #now: () => number;
  readonly #alg: Alg | undefined;

  /** `alg: undefined` is a browser without DBSC: it ignores the headers. */
  constructor(fetch: Fetch, now: () => number, options: { alg?: Alg | undefined } = { alg: 'ES256' }) {
    this.#fetch = fetch;
    this.#now = now;
    this.#alg = 'alg' in options ? options.alg : 'ES256';
  }

  /** The Cookie header: every cookie not past its Max-Age. */
  cookieHeader(): string {
    const now = this.#now();
    for (const [name, { expiresAt }] of this.jar) if (expiresAt <= now) this.jar.delete(name);
    return [...this.jar].map(([name, { value }]) => `${name}=${value}`).join('; ');
  }

  absorb(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const maxAge = attributes.map((a) => /^\s*max-age=(\d+)\s*$/i.exec(a)?.[1]).find(Boolean);
      const expiresAt = maxAge === undefined ? Infinity : this.#now() + Number(maxAge) * 1000;
      if (expiresAt <= this.#now()) this.jar.delete(name);
      else this.jar.set(name, { value: pair!.slice(eq + 1).trim(), expiresAt });
    }
  }

  async #send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader();
    if (cookie) headers.set('cookie', cookie);
    const url = path.startsWith('http') ? path : `${ORIGIN}${path}`;
    const response = await this.#fetch(new Request(url, { ...init, headers }));
    this.log.push(`${init.method ?? 'GET'} ${new URL(url).pathname} ${response.status}`);
    this.absorb(response);
    return response;
  }

  /**
   * A page request. First, any DBSC session whose bound cookie is missing is
   * refreshed (the request waits for it); after, a registration offer is taken up.
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (this.#alg !== undefined) {
      this.cookieHeader(); // drops expired cookies
      for (const session of [...this.sessions.values()])
        if (!this.jar.has(session.cookieName)) await this.refresh(session);
    }
    const response = await this.#send(path, init);
    if (this.#alg !== undefined) await this.takeUp(response);
    return response;
  }

  /** Registers for each `Secure-Session-Registration` entry the response carries. */
  async takeUp(response: Response): Promise<void> {
    const offer = response.headers.get('secure-session-registration');
    if (offer === null) return;
    const algorithms = /^\(([^)]*)\)/.exec(offer)?.[1]?.split(' ') ?? [];
    const alg = this.#alg!;
    if (!algorithms.includes(alg)) return;
    const path = param(offer, 'path')!;
    const challenge = param(offer, 'challenge')!;
    const keys = await makeKeys(alg);
    const proof = await signJws(
      keys,
      alg,
      { typ: 'dbsc+jwt', jwk: await publicJwk(keys) },
      { jti: challenge },
    );
    // The draft sets the registration request's origin to the page's: a POST carries `Origin`.
    // Header values as Chromium sends them: bare, not as sf-strings.
    const answer = await this.#send(path, {
      method: 'POST',
      headers: { 'secure-session-response': proof, origin: ORIGIN },
    });
    if (answer.status !== 200) return;
    const instructions = (await answer.json()) as {
      session_identifier: string;
      refresh_url: string;
      credentials: { name: string; attributes: string }[];
    };
    this.sessions.set(instructions.session_identifier, {
      id: instructions.session_identifier,
      refreshUrl: instructions.refresh_url,
      cookieName: instructions.credentials[0]!.name,
      attributes: instructions.credentials[0]!.attributes,
      keys,
      alg,
    });
  }

  /**
   * The refresh exchange: POST with `Sec-Secure-Session-Id` (and a proof when a
   * challenge is cached); a 403 brings a challenge to sign, tried once more; any
   * other 4xx ends the DBSC session. Resolves to the statuses seen.
   */
  async refresh(session: BrowserSession): Promise<number[]> {
    const statuses: number[] = [];
    let challenge = session.challenge;
    session.challenge = undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers: Record<string, string> = { 'sec-secure-session-id': session.id, origin: ORIGIN };
      if (challenge !== undefined)
        headers['secure-session-response'] = await signJws(
          session.keys,
          session.alg,
          { typ: 'dbsc+jwt' },
          { jti: challenge },
        );
      const response = await this.#send(session.refreshUrl, { method: 'POST', headers });
      statuses.push(response.status);
      if (response.status === 403) {
        const value = response.headers.get('secure-session-challenge');
        challenge = value === null ? undefined : /^"([^"]*)"/.exec(value)?.[1];
        if (challenge === undefined) break;
        continue;
      }
      if (response.status >= 400 && response.status < 500) this.sessions.delete(session.id);
      break;
    }
    return statuses;
  }

  /** What an infostealer copies: every cookie as it is now, values only. */
  steal(): Map<string, string> {
    this.cookieHeader();
    return new Map([...this.jar].map(([name, { value }]) => [name, value]));
  }
}

/** A thief replaying copied cookies, ignoring every Max-Age and every DBSC header. */
export function replay(fetch: Fetch, cookies: Map<string, string>, path = '/', init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
  return fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }));
}
