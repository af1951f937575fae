/**
 * Type-checked by `deno check` (see test/stores/deno-kv.node.test.ts): Deno's
 * own `Deno.Kv` must fit the structural `DenoKvLike` the store accepts, and
 * the store must compile under Deno's compiler settings.
 */
import { DenoKVStore, type DenoKvLike } from '../../src/stores/deno-kv.ts';

export const fits = (kv: Deno.Kv): DenoKvLike => kv;
export const accepts = (kv: Deno.Kv): DenoKVStore => new DenoKVStore(kv, { prefix: ['app', 'sessions'] });
