/**
 * A private PostgreSQL from the Debian package (`postgresql-15`, which
 * .ci/run installs when it is missing): initdb and pg_ctl from
 * /usr/lib/postgresql/<version>/bin (not on PATH), a scratch data folder, 127.0.0.1
 * and a free port, no Unix socket. PostgreSQL refuses to run as root, so as
 * root both run as the package's `postgres` user (`runuser`), on a folder
 * that user owns. Without the package the test fails with a message that
 * says how to install it, rather than being skipped.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run } from '../../run.ts';
import type { PostgresServer } from './server.ts';

export const MISSING =
  "Debian's PostgreSQL is not installed: this test needs its binaries. Install them with " +
  '`apt-get install -y postgresql-15` (.ci/run does this when they are missing).';

/** The bin folder of the newest PostgreSQL under /usr/lib/postgresql, or of `version`. */
function binaries(version?: number): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => Number.isInteger(v) && (version === undefined || v === version))
    : [];
  const newest = versions.sort((a, b) => b - a)[0];
  if (newest === undefined || !existsSync(join(root, String(newest), 'bin', 'pg_ctl')))
    throw new Error(MISSING);
  return join(root, String(newest), 'bin');
}

/** Starts Debian's PostgreSQL (`version`, default the newest installed). */
export async function startDebianPostgres(version?: number): Promise<PostgresServer & { version: number }> {
  const bin = binaries(version);
  const root = process.getuid?.() === 0;
  const as = (tool: string, args: string[]) =>
    root ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const dir = mkdtempSync(join(tmpdir(), 'tesserajs-debian-pg-'));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off`;
  const ctl = async (args: string[]) => {
    const { code, output } = await as('pg_ctl', ['-D', data, ...args]);
    if (code !== 0) throw new Error(`pg_ctl ${args[0]} failed (${code}):\n${output}`);
  };
  let running = false;
  const start = async () => {
    if (running) return;
    await ctl(['start', '-w', '-t', '60', '-l', join(dir, 'log'), '-o', options]);
    running = true;
  };
  const halt = async () => {
    if (!running) return;
    await ctl(['stop', '-w', '-m', 'fast']);
    running = false;
  };
  try {
    const init = await as('initdb', [
      '-D',
      data,
      '-U',
      'tessera',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}):\n${init.output}`);
    await start();
  } catch (error) {
    await halt().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    version: Number(bin.split('/').at(-2)),
    port,
    url: `postgres://tessera@127.0.0.1:${port}/postgres`,
    halt,
    restart: start,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
