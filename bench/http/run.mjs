/**
 * `npm run bench:http`: the HTTP-level comparison. Each candidate app runs in
 * its own server process (Node: @hono/node-server under tsx; Bun: Bun.serve,
 * TypeScript run directly) on 127.0.0.1 and a free port; autocannon drives it
 * from this process with 50 connections as a returning client (the cookie
 * from a first request is sent on every request). Rounds are rotated so that drift hits every candidate
 * alike. Reported per candidate: the median req/s, and the median over
 * rounds of its req/s ÷ bare Hono's in the same round (robust to a machine
 * whose speed drifts during the run). Not part of `npm test`.
 *
 * The RedisStore candidate talks to a private redis-server (Debian's
 * `redis-server`) started here on 127.0.0.1 with persistence off, stopped at
 * the end.
 *
 * Environment: BENCH_HTTP_ROUNDS (default 5), BENCH_HTTP_DURATION seconds per
 * round (default 3), BENCH_HTTP_WARMUP seconds (default 2),
 * BENCH_HTTP_RUNTIMES (default "node,bun").
 */
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 5);
const DURATION = Number(process.env.BENCH_HTTP_DURATION ?? 3);
const WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 2);
const CONNECTIONS = 50;

const RUNTIMES = {
  node: {
    label: 'Node (@hono/node-server)',
    command: bin('tsx'),
    args: ['bench/http/node-server.ts'],
    target: 0.5,
  },
  bun: { label: 'Bun (Bun.serve)', command: bin('bun'), args: ['bench/http/bun-server.ts'], target: 0.6 },
};
const selected = (process.env.BENCH_HTTP_RUNTIMES ?? 'node,bun').split(',').map((name) => name.trim());

// Must match the names in apps.ts (a server exits at once on an unknown name).
const BASELINE = 'bare Hono';
const OURS = ['Tessera MemoryStore', 'Tessera CookieStore'];
const CANDIDATES = [
  BASELINE,
  ...OURS,
  'Tessera RedisStore',
  '@hono/session (JWE cookie)',
  'hono-sessions MemoryStore + encryption',
  'hono-sessions CookieStore',
];

// --- server processes ------------------------------------------------------

const running = new Set();

function stopAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** A private redis-server on a free loopback port; resolves to its URL once it accepts connections. */
async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'tesserajs-bench-redis-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed (apt-get install -y redis-server)')
          : error,
      ),
    );
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve(`redis://127.0.0.1:${port}`);
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
}

const REDIS_URL = await startRedis();

/** Starts one candidate's server; resolves once it prints its port. */
function start(runtime, name) {
  const child = spawn(runtime.command, [...runtime.args, name], {
    cwd: root,
    env: { ...process.env, REDIS_URL },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no "ready" line after 30 s`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /ready (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ name, child, url: `http://127.0.0.1:${match[1]}/` });
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: server exited (${code ?? signal}) before it was ready`));
    });
  });
}

/** Stops a server: SIGTERM, then SIGKILL if it lingers. */
async function stop(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

// --- measuring ---------------------------------------------------------------

/**
 * Makes the returning client: the cookie a first request sets, checked by a
 * second request that must see the counter it wrote.
 */
async function returningClient(server) {
  const first = await fetch(server.url);
  // Like a browser's jar: a later Set-Cookie for the same name replaces an earlier one.
  const jar = new Map();
  for (const line of first.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0];
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  const cookie = [...jar.values()].join('; ');
  const a = await first.text();
  const second = await fetch(server.url, { headers: cookie ? { cookie } : {} });
  const b = await second.text();
  if (server.name !== BASELINE && (cookie === '' || a !== '1' || b !== '2')) {
    throw new Error(
      `${server.name}: the session did not round-trip (first "${a}", second "${b}", cookie "${cookie}")`,
    );
  }
  return cookie;
}

async function load(server, cookie, seconds) {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: cookie ? { cookie } : {},
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0)
    console.warn(`  ! ${server.name}: ${failures} failed requests of ${result.requests.total}`);
  return result.requests.average;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function benchRuntime(key) {
  const runtime = RUNTIMES[key];
  console.log(`\n## ${runtime.label}: ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections`);
  const servers = [];
  try {
    for (const name of CANDIDATES) servers.push(await start(runtime, name));
    const cookies = new Map();
    for (const server of servers) {
      cookies.set(server.name, await returningClient(server));
      await load(server, cookies.get(server.name), WARMUP);
    }
    const samples = new Map(CANDIDATES.map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round: every candidate runs early and late.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const server of order) {
        const rps = await load(server, cookies.get(server.name), DURATION);
        samples.get(server.name).push(rps);
      }
      console.log(
        `  round ${round + 1}: ${order.map((s) => `${s.name} ${Math.round(samples.get(s.name).at(-1))}`).join(', ')}`,
      );
    }
    const base = samples.get(BASELINE);
    return new Map(
      CANDIDATES.map((name) => {
        const own = samples.get(name);
        return [name, { rps: median(own), ratio: median(own.map((rps, round) => rps / base[round])) }];
      }),
    );
  } finally {
    await Promise.all(servers.map(stop));
  }
}

// --- report --------------------------------------------------------------------

function versions() {
  const bun = (() => {
    try {
      return execFileSync(bin('bun'), ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'n/a';
    }
  })();
  return `Node ${process.version}, Bun ${bun}, ${cpus().length} CPUs (load generator and server share them)`;
}

const results = new Map();
for (const key of selected) {
  if (!(key in RUNTIMES)) throw new Error(`BENCH_HTTP_RUNTIMES: unknown runtime ${key} (node, bun)`);
  results.set(key, await benchRuntime(key));
}

console.log(
  `\n${versions()}; medians of ${ROUNDS} rotated rounds of ${DURATION} s, ${CONNECTIONS} connections, loopback.\n`,
);
const keys = [...results.keys()];
console.log(`| candidate | ${keys.map((k) => `${k} req/s | ${k} × bare Hono`).join(' | ')} |`);
console.log(`|---|${keys.map(() => '---:|---:').join('|')}|`);
for (const name of CANDIDATES) {
  const cells = keys.map((k) => {
    const { rps, ratio } = results.get(k).get(name);
    return `${Math.round(rps).toLocaleString('en-US')} | ${ratio.toFixed(2)}`;
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
console.log('');
for (const key of keys) {
  const { target, label } = RUNTIMES[key];
  for (const name of OURS) {
    const { ratio } = results.get(key).get(name);
    console.log(
      `target ${label}: ${name} ≥ ${target}× bare Hono → ${ratio.toFixed(2)}× ${ratio >= target ? 'met' : 'MISSED'}`,
    );
  }
}

// The redis-server is the last child left: stop it so that this process can exit.
for (const child of running) child.kill('SIGTERM');
