/**
 * The engine's guarantees under composition on a real Redis: the
 * store-dependent cases (test/session/composition-cases.ts) and the
 * model-based test (test/model/model.ts), read cache off, on and checked.
 */
import { nodeRedis, RedisStore } from '../../../src/stores/redis/index.ts';
import { modelOnServerStore } from '../../model/server-store.ts';
import { compositionGuarantees } from '../../session/composition-cases.ts';
import { useRedis } from './helpers.ts';

const redis = useRedis();
let prefix = 0;
/** A store on its own key prefix, on the test's clock. */
const store = (now: () => number) =>
  new RedisStore(nodeRedis(redis.client), { keyPrefix: `composition-${prefix++}:`, now });

compositionGuarantees('RedisStore', store);

modelOnServerStore('RedisStore', store);
