import { describe, expect, it } from 'vitest';
import { useRedis } from '../stores/redis/helpers.ts';
import { scenarioOverHttp } from './server.ts';

describe('examples/node.ts on Node', () => {
  scenarioOverHttp('node_modules/.bin/tsx', ['examples/node.ts']);
});

describe('examples/node.ts on Node with Redis (node-redis)', () => {
  const redis = useRedis();
  scenarioOverHttp('node_modules/.bin/tsx', ['examples/node.ts'], () => ({ REDIS_URL: redis.server.url }));
  it('kept its sessions in Redis: the logout left a tombstone there', async () => {
    expect(await redis.send(['KEYS', 'tessera:{*}:gone'])).toHaveLength(1);
  });
});
