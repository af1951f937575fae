/**
 * Starts an example server as a child process on 127.0.0.1 and a free port,
 * waits for its "Listening on http://127.0.0.1:PORT" line, and always stops
 * it (the whole process group).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, it } from 'vitest';
import { runScenario } from './scenario.ts';

export interface RunningServer {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startServer(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  cwd?: string,
): Promise<RunningServer> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, PORT: '0', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/(?:127\.0\.0\.1|localhost):\d+)/.exec(output.replace(/\u001b\[[0-9;]*m/g, ''));
      if (match && /Listening on|Ready on/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, output: () => output, stop };
}

/** A short idle timeout, so the scenario can watch a session expire. */
const IDLE_TIMEOUT = 2;

/**
 * Registers, in the enclosing `describe`, a server started from `command`
 * before its tests and stopped after them, and the session scenario run
 * against it over HTTP. `env` may be a function, called when the server
 * starts (for values known only then, such as a Redis port).
 */
export function scenarioOverHttp(
  command: string,
  args: string[],
  env: Record<string, string> | (() => Record<string, string>) = {},
): void {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startServer(command, args, {
      SESSION_SECRET: 'runtime-test-secret-0123456789-abcdefghij',
      SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT),
      ...(typeof env === 'function' ? env() : env),
    });
  }, 60_000);
  afterAll(() => server?.stop());
  it(
    'passes the session scenario over HTTP, remember me and expiry included',
    () => runScenario(server!.url, undefined, { idleTimeout: IDLE_TIMEOUT }),
    30_000,
  );
}
