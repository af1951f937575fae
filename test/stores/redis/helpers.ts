/**
 * Shared by the Redis store's tests: a private redis-server with a connected
 * node-redis client for the enclosing test file, records and patches, and a
 * connection that records (and can interleave with) every command.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { nodeRedis, type RedisConnection } from '../../../src/stores/redis/index.ts';
import { type RedisServer, startRedis } from './server.ts';

export interface RedisFixture {
  server: RedisServer;
  client: ReturnType<typeof createClient>;
  send(command: string[]): Promise<unknown>;
}

/** Starts a redis-server and a node-redis client before the file's tests, stops both after. */
export function useRedis(options: { appendOnly?: boolean } = {}): RedisFixture {
  const fixture = {} as RedisFixture;
  beforeAll(async () => {
    fixture.server = await startRedis(options);
    fixture.client = createClient({ url: fixture.server.url });
    await fixture.client.connect();
    fixture.send = (command) => fixture.client.sendCommand(command);
  }, 30_000);
  afterAll(async () => {
    fixture.client?.destroy();
    await fixture.server?.stop();
  });
  return fixture;
}

/** A connection through `fixture`'s client that records every command and can run something before one is sent. */
export function spy(fixture: RedisFixture, before?: (command: string[]) => Promise<void>) {
  const commands: string[][] = [];
  const connection: RedisConnection = {
    async send(command, key) {
      commands.push(command);
      await before?.(command);
      return nodeRedis(fixture.client).send(command, key);
    },
  };
  return { commands, connection };
}

export { freshKey, HOUR, patch, record } from '../records.ts';
