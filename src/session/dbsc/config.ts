/** The settings of `deviceBoundSessions()`, checked once, shared by its parts. */
import type { JwsAlgorithm } from '../../crypto/jws.ts';

export interface DbscConfig {
  registrationPath: string;
  refreshPath: string;
  /** The bound cookie's name; undefined: `<session cookie name>.bound`. */
  cookieName: string | undefined;
  /** The bound cookie's lifetime, in seconds. */
  maxAge: number;
  /** Accepted signature algorithms, in order of preference. */
  algorithms: readonly JwsAlgorithm[];
  /** How long a challenge may be used, in ms. */
  challengeTtlMs: number;
}
