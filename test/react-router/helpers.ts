/** What the React Router tests share: a browser for React Router's API and a storage fixture. */
import type { SessionStore } from '../../src/index.ts';
import {
  createTesseraSessionStorage,
  type TesseraSessionStorageOptions,
} from '../../src/react-router/index.ts';
import { CookieJar, SECRET } from '../session/helpers.ts';

export type Data = { userId?: string; theme?: string; cart?: string[]; a?: number; b?: number };
export type Flash = { notice?: string };

/** A browser for React Router's API: it sends a Cookie header and keeps what a Set-Cookie says. */
export class Browser extends CookieJar {
  /** The Cookie header, or null when the browser holds no cookie. */
  get cookie(): string | null {
    return this.cookies.size > 0 ? this.header() : null;
  }
  keep(setCookie: string): this {
    return this.absorb(new Headers([['set-cookie', setCookie]]));
  }
  override clone(): Browser {
    const copy = new Browser();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }
}

/** The session id a session Set-Cookie (or Cookie pair) carries: the signed value up to its last dot. */
export const idIn = (cookie: string): string => {
  const value = cookie.slice(cookie.indexOf('=') + 1).split(';')[0]!;
  return value.slice(0, value.lastIndexOf('.'));
};

/** A storage on a fresh store from `makeStore` (and `options`), a browser, and users unique to the test. */
export function fixture<S extends SessionStore>(
  makeStore: () => S,
  options: Omit<TesseraSessionStorageOptions, 'secrets' | 'store'> = {},
) {
  const store = makeStore();
  const storage = createTesseraSessionStorage<Data, Flash>({ secrets: SECRET, store, ...options });
  const browser = new Browser();
  /** Logs `user` in: a new session whose cookie the browser keeps. */
  const login = async (user: string, jar = browser) => {
    const session = await storage.getSession(jar.cookie);
    session.set('userId', user);
    jar.keep(await storage.commitSession(session));
  };
  const read = async (jar = browser) => (await storage.getSession(jar.cookie)).get('userId');
  // Users unique to the test: a shared store (Durable Objects) outlives each one.
  const [ada, bob] = [`ada-${crypto.randomUUID()}`, `bob-${crypto.randomUUID()}`];
  return { store, storage, browser, login, read, ada, bob };
}
