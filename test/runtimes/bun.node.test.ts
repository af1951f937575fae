import { describe, expect, it } from 'vitest';
import { useRedis } from '../stores/redis/helpers.ts';
import { scenarioOverHttp } from './server.ts';

describe('examples/bun.ts on Bun', () => {
  scenarioOverHttp('node_modules/.bin/bun', ['examples/bun.ts']);
});

describe('examples/bun.ts on Bun with Redis (Bun.RedisClient)', () => {
  const redis = useRedis();
  scenarioOverHttp('node_modules/.bin/bun', ['examples/bun.ts'], () => ({ REDIS_URL: redis.server.url }));
  it('kept its sessions in Redis: the logout left a tombstone there', async () => {
    expect(await redis.send(['KEYS', 'tessera:{*}:gone'])).toHaveLength(1);
  });
});
