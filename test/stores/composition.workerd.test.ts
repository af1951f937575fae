/**
 * The store-dependent composition guarantees (test/session/composition-cases.ts)
 * on the Cloudflare stores: regenerate() only from a record the store still
 * holds, and "sign out everywhere else" leaves freshness alone.
 */
import { env } from 'cloudflare:workers';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { compositionGuarantees } from '../session/composition-cases.ts';

compositionGuarantees('DurableObjectStore', () => new DurableObjectStore(env.SESSIONS_DO));
compositionGuarantees('D1Store', (now) => new D1Store(env.DB, { now }));
compositionGuarantees('KVStore', (now) => new KVStore(env.SESSIONS_KV, { keyPrefix: 'composition:', now }));
