/**
 * The `secrets` option: a keyring now, or one per `env` for Workers, where
 * secrets arrive with each request. A missing secret says how to set it.
 */
import { createKeyring, SET_SECRET_HINT, type Keyring, type SecretsInput } from '../../crypto/keyring.ts';

/** What the `secrets` option accepts. */
export type SecretsOption<Env> = SecretsInput | Keyring | ((env: Env) => SecretsInput | Keyring);

/** Throws when `secrets` is absent, saying how to set it. */
export function checkSecretsGiven(secrets: unknown, caller: string): void {
  if (secrets === undefined || secrets === null) {
    throw new TypeError(
      `${caller}: option secrets is required, and it is ${String(secrets)} (is the variable holding it unset?): ${SET_SECRET_HINT}`,
    );
  }
}

/** Same secrets: the same list (or value) with the same entries. */
function sameSecrets(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((entry, i) => entry === b[i]);
}

/** Turns the secrets option into a per-env keyring lookup that derives keys only when secrets change. */
export function keyringSource<Env>(
  secrets: SecretsOption<Env>,
  caller = 'createSessionManager',
): (env: Env) => Keyring {
  checkSecretsGiven(secrets, caller);
  if (typeof secrets !== 'function') {
    const keyring = keyringOf(secrets, caller);
    return () => keyring;
  }
  let last: { input: unknown; keyring: Keyring } | undefined;
  return (env) => {
    const input = secrets(env);
    if (input === undefined || input === null) {
      throw new TypeError(
        `${caller}: option secrets returned ${String(input)} (is the variable holding it unset?): ${SET_SECRET_HINT}`,
      );
    }
    if (last === undefined || !sameSecrets(last.input, input)) {
      last = { input, keyring: keyringOf(input, caller) };
    }
    return last.keyring;
  };
}

function keyringOf(input: SecretsInput | Keyring, caller: string): Keyring {
  try {
    return createKeyring(input);
  } catch (error) {
    throw new TypeError(`${caller}: option secrets: ${(error as Error).message}`);
  }
}
