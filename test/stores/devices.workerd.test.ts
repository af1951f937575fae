import { env } from 'cloudflare:workers';
import { describe, it } from 'vitest';
import { D1Store } from '../../src/stores/d1/index.ts';
import { DurableObjectStore } from '../../src/stores/durable-object.ts';
import { KVStore } from '../../src/stores/kv/index.ts';
import { devicesScenario } from '../session/devices-scenario.ts';

describe('your devices on the Cloudflare stores', () => {
  it('DurableObjectStore', () => devicesScenario(new DurableObjectStore(env.SESSIONS_DO)), 30_000);
  it('D1Store', () => devicesScenario(new D1Store(env.DB)), 30_000);
  it('KVStore', () => devicesScenario(new KVStore(env.SESSIONS_KV, { prefix: 'devices:' })), 60_000);
});
