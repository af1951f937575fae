/**
 * `npm test`'s preflight (the `pretest` script): the servers the tests start
 * privately that npm cannot install are Debian packages — `redis-server`
 * (6.2 or later) for the Redis store, `postgresql-15` for the Postgres
 * store's second server version (the first, PostgreSQL 18, comes from npm).
 * When one is missing this installs it where the machine allows (root and
 * apt-get, as in CI), and otherwise stops at once with the command to run,
 * rather than letting every test that needs it fail one by one.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** redis-server's version as [major, minor], or undefined when it is not installed. */
function redisVersion() {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /v=(\d+)\.(\d+)/.exec(result.stdout);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

const REQUIREMENTS = [
  {
    name: 'redis-server',
    why: "the Redis store's tests (6.2 or later)",
    present: () => redisVersion() !== undefined,
    macos: 'brew install redis',
  },
  {
    name: 'postgresql-15',
    why: "the Postgres store's tests on Debian's PostgreSQL 15",
    present: () => existsSync('/usr/lib/postgresql/15/bin/pg_ctl'),
    macos: 'brew install postgresql@15',
  },
];

function stop(message) {
  console.error(`\npreflight: ${message}\n`);
  process.exit(1);
}

const missing = REQUIREMENTS.filter((requirement) => !requirement.present());
if (missing.length > 0) {
  const names = missing.map((requirement) => requirement.name);
  const hasAptGet = spawnSync('apt-get', ['--version']).status === 0;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !hasAptGet) {
    stop(
      `${names.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed; needed by ` +
        `${missing.map((requirement) => requirement.why).join(' and ')}.\n` +
        `  Install with: sudo apt-get install -y ${names.join(' ')}\n` +
        `  (on macOS: ${missing.map((requirement) => requirement.macos).join(' && ')}), then run npm test again.`,
    );
  }
  console.log(`preflight: installing ${names.join(', ')} (apt-get) for the tests…`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...names]]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0)
      stop(`apt-get ${args.join(' ')} failed; install ${names.join(' ')} yourself and retry.`);
  }
  for (const requirement of missing)
    if (!requirement.present()) stop(`${requirement.name} was installed but cannot be found.`);
}

const [major, minor] = redisVersion();
if (major < 6 || (major === 6 && minor < 2)) {
  stop(`redis-server ${major}.${minor} is too old: the Redis store needs 6.2 or later.`);
}
