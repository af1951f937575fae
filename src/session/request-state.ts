/**
 * One request as the manager sees it: which cookie, which clock reading,
 * which keyring and store. Every part is worked out on first use, so loading
 * a session that the request never touches allocates two objects and does
 * nothing else.
 */
import { cookieHeaderOf, getCookie } from '../cookie/parse.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { isSecureRequest, type CookieSpec, type RequestContext } from './context.ts';
import { CookieSessionIO, isCookieStore, type CookieStore } from './cookie-store.ts';
import type { StoreKeys } from './id.ts';
import type { ResolvedOptions } from './options.ts';
import { loadFromStore } from './server-backend.ts';
import type { LoadedSession, SessionClock, SessionSource } from './session.ts';
import type { SessionStore } from './types.ts';

/** What every request of one manager shares. */
export interface ManagerShared<Env> {
  /** Identifies the manager, so a session is only committed by its own. */
  readonly owner: object;
  readonly options: ResolvedOptions<Env>;
  readonly keys: StoreKeys;
  readonly secureCookie: CookieSpec;
  readonly plainCookie: CookieSpec;
  /** Timeouts in ms. */
  readonly idle: number;
  readonly absolute: number;
  readonly touch: number;
}

export class RequestState<Env> implements SessionSource, RequestContext {
  readonly shared: ManagerShared<Env>;
  readonly request: Request;
  readonly env: Env;
  #cookie: CookieSpec | undefined;
  #clock: SessionClock | undefined;
  #keyring: Keyring | undefined;
  #hasCookie: boolean | undefined;
  #store: SessionStore | CookieStore | undefined;
  #cookieIO: CookieSessionIO | undefined;

  constructor(shared: ManagerShared<Env>, request: Request, env: Env) {
    this.shared = shared;
    this.request = request;
    this.env = env;
  }

  get cookie(): CookieSpec {
    return (this.#cookie ??= isSecureRequest(this.request.url) ? this.shared.secureCookie : this.shared.plainCookie);
  }

  get clock(): SessionClock {
    const { options, idle, absolute, touch } = this.shared;
    return (this.#clock ??= { now: options.now(), idleTimeout: idle, absoluteTimeout: absolute, touchInterval: touch, userField: options.userField });
  }

  /** Resolved on first use: a route that never touches its session never calls a `secrets` function. */
  get keyring(): Keyring {
    return (this.#keyring ??= this.shared.options.keyring(this.env));
  }

  get keys(): StoreKeys {
    return this.shared.keys;
  }

  get hasCookie(): boolean {
    if (this.#hasCookie === undefined) {
      const header = cookieHeaderOf(this.request);
      const { name, firstChunk } = this.cookie;
      this.#hasCookie = header !== null && (getCookie(header, name) !== undefined || header.includes(firstChunk));
    }
    return this.#hasCookie;
  }

  store(): SessionStore | CookieStore {
    const option = this.shared.options.store;
    return (this.#store ??= typeof option === 'function' ? option(this.request, this.env) : option);
  }

  /** The cookie-store reader/writer for this request. */
  cookieIO(store: CookieStore): CookieSessionIO {
    return (this.#cookieIO ??= new CookieSessionIO(this, store));
  }

  load(): Promise<LoadedSession | null> {
    const store = this.store();
    return isCookieStore(store) ? this.cookieIO(store).load() : loadFromStore(this, store);
  }
}
