/**
 * A conformance suite for `SessionStore` implementations. Runner-agnostic:
 * it returns named checks that throw on failure, so any test framework can
 * run them:
 *
 * ```ts
 * import { storeConformance } from 'tesserajs/testing';
 * for (const check of storeConformance(() => new RedisStore(nodeRedis(client)))) it(check.name, check.run);
 * ```
 */
import { basicChecks } from './basics.ts';
import { compositionChecks } from './composition.ts';
import { deviceBoundChecks } from './device-bound.ts';
import { rotationChecks } from './rotation.ts';
import { createSuite, type ConformanceCheck, type ConformanceOptions } from './suite.ts';
import { updateChecks } from './update.ts';
import { userChecks } from './users.ts';
import type { SessionStore } from '../../session/types.ts';

export type { ConformanceCheck, ConformanceOptions } from './suite.ts';

/**
 * The checks every store must pass: get/set/delete round trips, isolation of
 * keys and of returned objects, expiry (when the clock can be advanced), and —
 * for the optional methods a store implements — touch, atomic update under
 * concurrency, and the user index.
 */
export function storeConformance(
  factory: () => SessionStore | Promise<SessionStore>,
  options: ConformanceOptions = {},
): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  const suite = createSuite(factory, options, checks);
  basicChecks(suite);
  updateChecks(suite);
  userChecks(suite);
  compositionChecks(suite);
  deviceBoundChecks(suite);
  rotationChecks(suite);
  return checks;
}
