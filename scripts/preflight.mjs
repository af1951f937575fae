/**
 * `npm test`'s preflight (the `pretest` script): the one thing the tests need
 * that npm cannot install is redis-server (Debian package `redis-server`,
 * 6.2 or later), which the Redis store's tests start privately. When it is
 * missing this installs it where the machine allows (root and apt-get, as
 * in CI), and otherwise stops at once with the command to run, rather than
 * letting every Redis test fail one by one.
 */
import { spawnSync } from 'node:child_process';

const PACKAGE = 'redis-server';
const MINIMUM = [6, 2];

/** redis-server's version as [major, minor], or undefined when it is not installed. */
function installedVersion() {
  const result = spawnSync(PACKAGE, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /v=(\d+)\.(\d+)/.exec(result.stdout);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function stop(message) {
  console.error(`\npreflight: ${message}\n`);
  process.exit(1);
}

const hasAptGet = spawnSync('apt-get', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;
let version = installedVersion();

if (version === undefined) {
  if (!isRoot || !hasAptGet) {
    stop(
      `${PACKAGE} is not installed; the Redis store's tests need it (${MINIMUM.join('.')} or later).\n` +
        `  Install it with: sudo apt-get install -y ${PACKAGE}\n` +
        '  (on macOS: brew install redis), then run npm test again.',
    );
  }
  console.log(`preflight: installing ${PACKAGE} (apt-get) for the Redis store's tests…`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) stop(`apt-get ${args.join(' ')} failed; install ${PACKAGE} yourself and retry.`);
  }
  version = installedVersion();
  if (version === undefined) stop(`${PACKAGE} was installed but does not run.`);
}

const [major, minor] = version;
if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  stop(`${PACKAGE} ${major}.${minor} is too old: the Redis store needs ${MINIMUM.join('.')} or later.`);
}
