/**
 * Tessera: cookies, signed and sealed values, and sessions on Web standards.
 * @packageDocumentation
 */
export * from './cookie/index.ts';
export * from './crypto/index.ts';
export * from './consent/index.ts';
export * from './session/index.ts';
