export { encodeBase64url, decodeBase64url } from './base64url.ts';
export {
  createKeyring,
  MIN_SECRET_BYTES,
  type Keyring,
  type KeyringOptions,
  type SecretEntry,
  type SecretMaterial,
  type SecretsInput,
} from './keyring.ts';
export { sign, verify, MAX_SIGNED_LENGTH, type SignOptions, type VerifyOptions } from './sign.ts';
export { seal, unseal, MAX_SEALED_LENGTH, type SealOptions, type UnsealOptions } from './seal.ts';
export {
  createCookie,
  type CookieDefinition,
  type CookieDefinitionOptions,
  type CookieMode,
} from './cookie-definition.ts';
