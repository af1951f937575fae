/**
 * The few Redis commands `RedisStore` sends, through any client. The store
 * depends on no Redis library (zero runtime dependencies): it sends plain
 * commands through a {@link RedisConnection}, and these one-line adapters turn
 * the common clients into one. Scripts are sent by SHA-1 (`EVALSHA`) and
 * loaded with `EVAL` on the first `NOSCRIPT` from each server.
 */
import { utf8 } from '../../crypto/bytes.ts';
import { retryingOnce } from '../../util/once.ts';

/**
 * What `RedisStore` needs from a Redis client: send one command (name and
 * string arguments) and resolve to the reply — strings (or UTF-8 bytes),
 * numbers, null, arrays — or reject with the server's error. `key` is the
 * command's first key, for clients that route commands to cluster nodes
 * themselves.
 */
export interface RedisConnection {
  send(command: string[], key: string): Promise<unknown>;
}

/** The part of a node-redis (`redis` v5+) client the adapter uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The part of a node-redis cluster (`createCluster()`) the adapter uses. */
export interface NodeRedisClusterLike {
  readonly masters: unknown;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
}

/** The part of an ioredis client (`Redis` or `Cluster`) the adapter uses. */
export interface IoRedisLike {
  call(command: string, args: string[]): Promise<unknown>;
}

/** The part of Bun's built-in client (`new RedisClient(url)` from `bun`) the adapter uses. */
export interface BunRedisLike {
  send(command: string, args: string[]): Promise<unknown>;
}

/** Throws a TypeError saying what to pass when `client` is not a client of that library (often: undefined). */
function checkClient(caller: string, client: unknown, method: string, example: string): void {
  if (
    typeof client === 'object' &&
    client !== null &&
    typeof (client as Record<string, unknown>)[method] === 'function'
  )
    return;
  const got =
    client === undefined || client === null ? String(client) : `a ${typeof client} without ${method}()`;
  throw new TypeError(`${caller}: the client is ${got}; pass a connected client, e.g. ${caller}(${example})`);
}

/**
 * node-redis (`redis` v5+): `nodeRedis(await createClient({ url }).connect())`,
 * or a connected `createCluster()`.
 */
export function nodeRedis(client: NodeRedisClientLike | NodeRedisClusterLike): RedisConnection {
  checkClient(
    'nodeRedis',
    client,
    'sendCommand',
    'await createClient({ url: process.env.REDIS_URL }).connect()',
  );
  if ('masters' in client) return { send: (command, key) => client.sendCommand(key, false, command) };
  return { send: (command) => client.sendCommand(command) };
}

/** ioredis: `ioRedis(new Redis(url))`, or a `new Cluster(nodes)` (it routes by key itself). */
export function ioRedis(client: IoRedisLike): RedisConnection {
  checkClient('ioRedis', client, 'call', 'new Redis(process.env.REDIS_URL)');
  return { send: ([name, ...args]) => client.call(name!, args) };
}

/** Bun's built-in client: `bunRedis(new RedisClient(url))` (`import { RedisClient } from 'bun'`). */
export function bunRedis(client: BunRedisLike): RedisConnection {
  checkClient('bunRedis', client, 'send', 'new RedisClient(process.env.REDIS_URL)');
  return { send: ([name, ...args]) => client.send(name!, args) };
}

/** A Lua script and, once computed, its SHA-1 (what `EVALSHA` names it by). */
export class RedisScript {
  readonly source: string;
  readonly sha: () => Promise<string>;
  /** The SHA-1 once known: later runs build their command without awaiting it. */
  #sha: string | undefined;

  constructor(source: string) {
    this.source = source;
    this.sha = retryingOnce(async () => {
      const digest = await crypto.subtle.digest('SHA-1', utf8(source));
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    });
  }

  /**
   * Runs the script on the node that holds `keys` (all in one hash slot):
   * by SHA-1, and with its source when that server has not seen it yet.
   */
  async run(redis: RedisConnection, keys: string[], args: string[]): Promise<unknown> {
    const sha = this.#sha ?? (this.#sha = await this.sha());
    // One array for the command (the script's name, then keys and arguments).
    const command = ['EVALSHA', sha, String(keys.length), ...keys, ...args];
    try {
      return await redis.send(command, keys[0]!);
    } catch (error) {
      if (!/^NOSCRIPT\b/.test(error instanceof Error ? error.message : String(error))) throw error;
      return redis.send(['EVAL', this.source, ...command.slice(2)], keys[0]!);
    }
  }
}

/** A reply as text: strings as they are, bytes decoded as UTF-8, numbers written out. */
export function replyText(reply: unknown): string | null {
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  if (typeof reply === 'number' || typeof reply === 'bigint') return String(reply);
  return null;
}
