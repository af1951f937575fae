/**
 * A private redis-server for the tests that need a real Redis: started from
 * the Debian package's `redis-server` on 127.0.0.1 and a free port, with
 * persistence off (unless a test asks for an append-only file) and its
 * working directory in a scratch folder, stopped and removed afterwards.
 * `npm test`'s preflight installs redis-server when it is missing; run alone
 * without it, the tests fail with a message that says so, rather than being skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../run.ts';

export interface RedisServer {
  port: number;
  /** The Cluster bus port, for a `cluster` node. */
  busPort?: number;
  url: string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder after `kill`; nothing if it runs. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

export const MISSING =
  'redis-server is not installed: the Redis tests need a real Redis. Install it with ' +
  "`apt-get install -y redis-server` (npm test's preflight, scripts/preflight.mjs, does this when it can).";

/** Resolves once the server answers PING with PONG; gives up after `ms`. */
async function ping(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await new Promise<string>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      let text = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (text.includes('\r\n')) socket.end();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(''));
    });
    if (answer.startsWith('+PONG')) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts a private redis-server. `appendOnly` keeps every acknowledged write
 * across a crash (`appendfsync always`), for tests that kill it; `cluster`
 * starts it as an empty Redis Cluster node (its bus on another free port).
 */
export async function startRedis(
  options: { appendOnly?: boolean; cluster?: boolean } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tesserajs-redis-'));
  const port = await freePort();
  const busPort = options.cluster ? await freePort() : undefined;
  const cluster = busPort
    ? ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf']
    : [];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--daemonize',
    'no',
    '--save',
    '',
    '--dir',
    dir,
    '--enable-debug-command',
    'local',
    ...(options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...cluster,
  ];
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      started.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error(MISSING) : error),
      );
      started.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([ping(port, 10_000), failed]);
  };
  const exit = async (signal: NodeJS.Signals) => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await launch();
  } catch (error) {
    await exit('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    ...(busPort ? { busPort } : {}),
    url: `redis://127.0.0.1:${port}`,
    kill: () => exit('SIGKILL'),
    restart: launch,
    stop: async () => {
      await exit('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
