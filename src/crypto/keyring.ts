/**
 * Keyrings: one or more secrets, newest first. Purpose keys are derived with
 * HKDF-SHA-256 (RFC 5869) — distinct `info` for signing and sealing, bound to
 * the key id — imported once and cached, so the request path never calls
 * `importKey` or derives anything after warm-up.
 */
import { encodeBase64url } from './base64url.ts';
import { utf8, type Bytes } from './bytes.ts';
import { retryingOnce } from '../util/once.ts';
import { checkOptionNames } from '../util/options.ts';
import { VerifiedMemo } from './memo.ts';

/** Raw secret material: a string (UTF-8) or bytes. */
export type SecretMaterial = string | Uint8Array | ArrayBuffer;

/** A secret with an optional stable id (1–16 base64url characters). */
export interface SecretEntry {
  id?: string;
  secret: SecretMaterial;
}

/** What `createKeyring` accepts: one secret or a list, newest first. */
export type SecretsInput = SecretMaterial | SecretEntry | ReadonlyArray<SecretMaterial | SecretEntry>;

/** Options for {@link createKeyring}. */
export interface KeyringOptions {
  /**
   * How many verified signed/sealed values to remember (by their exact text)
   * so that a cookie seen again skips the MAC or decryption. `0` disables it.
   * Default 1024.
   */
  memoSize?: number;
}

/** The derived keys of one secret. */
export interface DerivedKey {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly sign: CryptoKey;
  readonly seal: CryptoKey;
}

/**
 * A set of secrets: sign and seal with the first, accept any. Create one per
 * process (module scope) and reuse it: derived keys and the verified-value
 * memo live on it.
 */
export interface Keyring {
  /** Number of secrets in the ring. */
  readonly size: number;
  /** Derives and caches every key; resolves to the key ids, newest first. */
  ready(): Promise<readonly string[]>;
}

/** RFC 2104 §3 / NIST SP 800-107: keys at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;
const DEFAULT_MEMO_SIZE = 1024;

/**
 * How to provide a secret that is not there: the usual cause is an unset
 * variable (`secrets: [env.SESSION_SECRET]`), so say where variables come from.
 */
export const SET_SECRET_HINT =
  'set it: on Workers `wrangler secret put SESSION_SECRET` (and a line SESSION_SECRET=… in .dev.vars for `wrangler dev`), ' +
  'elsewhere an environment variable (process.env / Deno.env / Bun.env) holding at least 32 random bytes, ' +
  'e.g. from `openssl rand -base64 32`';

function secretBytes(material: unknown, index: number): Bytes {
  let bytes: Bytes;
  if (material === undefined || material === null || material === '') {
    throw new TypeError(
      `createKeyring: secret ${index} is ${material === '' ? 'an empty string' : String(material)}: is the variable holding it unset? ${SET_SECRET_HINT}`,
    );
  }
  if (typeof material === 'string') bytes = utf8(material);
  else if (material instanceof Uint8Array) bytes = material.slice();
  else if (material instanceof ArrayBuffer) bytes = new Uint8Array(material.slice(0));
  else throw new TypeError(`createKeyring: secret ${index} must be a string, Uint8Array or ArrayBuffer`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(
      `createKeyring: secret ${index} is ${bytes.length} bytes; secrets must be at least ${MIN_SECRET_BYTES} bytes (256 bits) of random data`,
    );
  }
  return bytes;
}

interface PendingSecret {
  explicitId: string | undefined;
  bytes: Bytes;
}

/** The keyring implementation; its members beyond {@link Keyring} are internal. */
export class KeyringImpl implements Keyring {
  readonly size: number;
  /** @internal Verified signed values by their exact text. */
  readonly signedMemo: VerifiedMemo;
  /** @internal Plaintext JSON of sealed values by their exact text. */
  readonly sealedMemo: VerifiedMemo;
  #pending: PendingSecret[];
  #keys: DerivedKey[] | undefined;
  #byId = new Map<string, DerivedKey[]>();
  readonly #derived = retryingOnce(() => this.#derive());
  /** The HKDF base key of the newest secret, kept for purpose keys derived later. */
  #newestBase: CryptoKey | undefined;
  /** Purpose keys by purpose, derived on first use (a feature that is off derives nothing). */
  readonly #purposeKeys = new Map<string, Promise<CryptoKey>>();

  constructor(pending: PendingSecret[], memoSize: number) {
    this.size = pending.length;
    this.#pending = pending;
    this.signedMemo = new VerifiedMemo(memoSize);
    this.sealedMemo = new VerifiedMemo(memoSize);
  }

  async ready(): Promise<readonly string[]> {
    return (await this.keys()).map((key) => key.id);
  }

  /** @internal Derived keys, newest first; derives on first call only. */
  keys(): DerivedKey[] | Promise<DerivedKey[]> {
    return this.#keys ?? this.#derived();
  }

  /** @internal Keys whose id matches (more than one only on a derived-id clash). */
  keysWithId(id: string): DerivedKey[] | undefined {
    return this.#byId.get(id);
  }

  /**
   * @internal An HMAC-SHA-256 key of the newest secret for `purpose`
   * (HKDF info `tessera/v1/<purpose>/<key id>`), derived once and cached.
   * For MACs that are only ever compared with stored values, never verified
   * against an older secret.
   */
  purposeKey(purpose: string): Promise<CryptoKey> {
    let key = this.#purposeKeys.get(purpose);
    if (key === undefined) {
      key = (async () => {
        const [newest] = await this.keys();
        return crypto.subtle.deriveKey(
          {
            name: 'HKDF',
            hash: 'SHA-256',
            salt: new Uint8Array(0),
            info: utf8(`tessera/v1/${purpose}/${newest!.id}`),
          },
          this.#newestBase!,
          { name: 'HMAC', hash: 'SHA-256', length: 256 },
          false,
          ['sign'],
        );
      })();
      // A failed derivation is tried again on the next call.
      key.catch(() => this.#purposeKeys.delete(purpose));
      this.#purposeKeys.set(purpose, key);
    }
    return key;
  }

  async #derive(): Promise<DerivedKey[]> {
    const subtle = crypto.subtle;
    const keys = await Promise.all(
      this.#pending.map(async ({ explicitId, bytes }, index) => {
        const base = await subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey', 'deriveBits']);
        if (index === 0) this.#newestBase = base;
        const hkdf = (info: string) => ({
          name: 'HKDF',
          hash: 'SHA-256',
          salt: new Uint8Array(0),
          info: utf8(info),
        });
        // Without an explicit id, 24 bits of HKDF output name the key: stable
        // across rotations, and says nothing useful about the secret.
        const id =
          explicitId ??
          encodeBase64url(new Uint8Array(await subtle.deriveBits(hkdf('tessera/v1/key-id'), base, 24)));
        const [sign, seal] = await Promise.all([
          subtle.deriveKey(
            hkdf(`tessera/v1/sign/${id}`),
            base,
            { name: 'HMAC', hash: 'SHA-256', length: 256 },
            false,
            ['sign', 'verify'],
          ),
          subtle.deriveKey(hkdf(`tessera/v1/seal/${id}`), base, { name: 'AES-GCM', length: 256 }, false, [
            'encrypt',
            'decrypt',
          ]),
        ]);
        return { id, idBytes: utf8(id), sign, seal };
      }),
    );
    for (const key of keys) {
      const list = this.#byId.get(key.id);
      if (list === undefined) this.#byId.set(key.id, [key]);
      else list.push(key);
    }
    this.#keys = keys;
    this.#pending = [];
    return keys;
  }
}

/**
 * Builds a keyring from one secret or a list, newest first. Each secret is at
 * least 32 bytes; give ids (`{ id, secret }`) to keep them short and stable.
 *
 * @throws TypeError for a short or malformed secret, a bad or duplicate id.
 */
export function createKeyring(secrets: SecretsInput | Keyring, options: KeyringOptions = {}): Keyring {
  if (secrets instanceof KeyringImpl) return secrets;
  checkOptionNames('createKeyring', options, ['memoSize']);
  const list: ReadonlyArray<unknown> = Array.isArray(secrets) ? secrets : [secrets];
  if (list.length === 0) throw new TypeError('createKeyring: secrets must hold at least one secret');
  const seen = new Set<string>();
  const pending = list.map((entry, index): PendingSecret => {
    const isEntry = typeof entry === 'object' && entry !== null && 'secret' in entry;
    const explicitId = isEntry ? (entry as SecretEntry).id : undefined;
    if (explicitId !== undefined) {
      if (typeof explicitId !== 'string' || !ID_PATTERN.test(explicitId)) {
        throw new TypeError(
          `createKeyring: id of secret ${index} must be 1–16 characters of A–Z a–z 0–9 _ -`,
        );
      }
      if (seen.has(explicitId)) throw new TypeError(`createKeyring: duplicate id "${explicitId}"`);
      seen.add(explicitId);
    }
    return { explicitId, bytes: secretBytes(isEntry ? (entry as SecretEntry).secret : entry, index) };
  });
  const memoSize = options.memoSize ?? DEFAULT_MEMO_SIZE;
  if (!Number.isInteger(memoSize) || memoSize < 0) {
    throw new TypeError('createKeyring: option memoSize must be a non-negative integer');
  }
  return new KeyringImpl(pending, memoSize);
}

/** Narrows a public Keyring to the implementation (which is the only kind). */
export function keyringImpl(keyring: Keyring, caller: string): KeyringImpl {
  if (!(keyring instanceof KeyringImpl))
    throw new TypeError(`${caller}: keyring must come from createKeyring()`);
  return keyring;
}
