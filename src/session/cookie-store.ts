/**
 * `CookieStore`: the option that keeps the whole session sealed in the
 * client's cookies instead of a server-side store. Its reading and writing
 * live in `cookie-backend.ts`, registered for each store so that the engine
 * reaches it only through a `CookieStore` the app made.
 */
import { CookieBackend } from './cookie-backend.ts';
import { registerBackend } from './store-internals.ts';

/** Options for {@link CookieStore}. */
export interface CookieStoreOptions {
  /** Most cookies one session may use; committing more throws. Default 10. */
  maxChunks?: number;
}

/**
 * Keeps the session in the client's cookies, sealed (AES-256-GCM) with the
 * manager's secrets and split into `name.0`, `name.1`, … above one cookie's
 * worth. Stateless and revocation-free: `destroy()` clears the cookies of
 * this browser, but a copied cookie stays valid until its timeout.
 */
export class CookieStore {
  readonly maxChunks: number;

  constructor(options: CookieStoreOptions = {}) {
    const maxChunks = options.maxChunks ?? 10;
    if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 50) {
      throw new TypeError('CookieStore: option maxChunks must be a whole number from 1 to 50');
    }
    this.maxChunks = maxChunks;
    registerBackend(this, (context) => new CookieBackend(context, maxChunks));
  }
}
