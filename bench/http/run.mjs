/**
 * `npm run bench:http`: the HTTP-level comparison. Each candidate app runs in
 * its own server process (Node: @hono/node-server with tsx's loader; Bun:
 * Bun.serve, TypeScript run directly) on 127.0.0.1 and a free port; autocannon
 * drives it from this process with 50 connections as a returning client (the
 * cookie from a first request is sent on every request).
 *
 * Paired rounds: every round of a candidate is paired with a round of bare
 * Hono right next to it (same runtime, same settings), interleaved in 1 s
 * slices in ABBA order — bare, candidate, candidate, bare (or the mirror,
 * alternating) — so that a change in machine speed, linear over the pair,
 * hits both halves alike. The candidate's score for the round is its req/s ÷
 * the paired bare req/s. Reported per candidate: the median of those ratios
 * and their spread (min–max), and the median req/s.
 *
 * Where `taskset` (util-linux) exists and this process may use two CPUs or
 * more, the servers run pinned to one CPU and this process (the load
 * generator) to another, so that they do not take turns on one core. Without
 * it nothing is pinned and the report says so. No root needed.
 *
 * The RedisStore candidate talks to a private redis-server (Debian's
 * `redis-server`) started here on 127.0.0.1 with persistence off, stopped at
 * the end.
 *
 * Every load is bounded by its duration (plus a watchdog that stops it) and
 * the number of loads by the rounds; servers are killed on exit.
 * Not part of `npm test`.
 *
 * Environment: BENCH_HTTP_ROUNDS (default 7), BENCH_HTTP_DURATION seconds of
 * load per side of a pair (default 2), BENCH_HTTP_SLICE seconds per slice
 * (default 1), BENCH_HTTP_WARMUP seconds (default 2), BENCH_HTTP_RUNTIMES
 * (default "node,bun"), BENCH_HTTP_PIN=0 to not pin.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 7);
const DURATION = Number(process.env.BENCH_HTTP_DURATION ?? 2);
const SLICE = Number(process.env.BENCH_HTTP_SLICE ?? 1);
const SLICES = Math.max(1, Math.round(DURATION / SLICE));
const WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 2);
const CONNECTIONS = 50;
// A load that has not ended this long after its duration is stopped.
const WATCHDOG_SECONDS = 15;

const RUNTIMES = {
  node: {
    label: 'Node (@hono/node-server)',
    // One process (not the tsx CLI, which runs node as a child): what is
    // pinned is what serves.
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/http/node-server.ts'],
  },
  bun: { label: 'Bun (Bun.serve)', command: bin('bun'), args: ['bench/http/bun-server.ts'] },
};
const selected = (process.env.BENCH_HTTP_RUNTIMES ?? 'node,bun').split(',').map((name) => name.trim());

// Names must match apps.ts (a server exits at once on an unknown name).
// `readOnly`: the app's `/seed` writes the session once; `/`, the route
// under load, only reads it. Targets: the candidate's median ratio to bare
// Hono ≥ `target` × its floor's median ratio to bare Hono, both measured in
// this run (the floor is what any session middleware on Hono must do).
const BASELINE = 'bare Hono';
const FLOOR_READ = 'floor: async middleware + cookie header';
const FLOOR_WRITE = 'floor: async middleware + cookie header + one Set-Cookie';
const CANDIDATES = [
  { name: FLOOR_READ, readOnly: true },
  { name: FLOOR_WRITE, readOnly: true },
  { name: 'Tessera MemoryStore', floor: FLOOR_WRITE, target: { node: 0.9, bun: 0.9 } },
  {
    name: 'Tessera MemoryStore, read only',
    readOnly: true,
    floor: FLOOR_READ,
    target: { node: 0.9, bun: 0.9 },
  },
  { name: 'Tessera CookieStore' },
  { name: 'Tessera RedisStore' },
  { name: '@hono/session (JWE cookie)' },
  { name: 'hono-sessions MemoryStore + encryption' },
  { name: 'hono-sessions CookieStore' },
];

// --- pinning -------------------------------------------------------------------

/** "0,2-3" → [0, 2, 3] */
function cpuList(text) {
  return text.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Pins this process (all its threads) to the first CPU it may use and returns
 * how to start servers on the second; or why nothing is pinned.
 */
function pinning() {
  if (process.env.BENCH_HTTP_PIN === '0') return { note: 'nothing pinned (BENCH_HTTP_PIN=0)' };
  let taskset;
  try {
    taskset = execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim();
  } catch {
    return {
      note: 'nothing pinned: taskset (util-linux) not found; server and load generator share the CPUs',
    };
  }
  const allowed = cpuList(
    execFileSync(taskset, ['-cp', String(process.pid)], { encoding: 'utf8' })
      .split(':')
      .pop()
      .trim(),
  );
  if (allowed.length < 2)
    return { note: `nothing pinned: this process may only use CPU ${allowed.join(',')}` };
  const [loadCpu, serverCpu] = allowed;
  execFileSync(taskset, ['-a', '-cp', String(loadCpu), String(process.pid)], { stdio: 'ignore' });
  return {
    taskset,
    serverCpu,
    note: `servers pinned to CPU ${serverCpu}, load generator (autocannon, this process) to CPU ${loadCpu}, with taskset`,
  };
}

/** The CPUs a process may run on, as taskset reports them ("?" without taskset). */
function affinityOf(pin, pid) {
  if (pin.taskset === undefined) return '?';
  try {
    return execFileSync(pin.taskset, ['-cp', String(pid)], { encoding: 'utf8' })
      .split(':')
      .pop()
      .trim();
  } catch {
    return '?';
  }
}

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
function start(runtime, pin, name) {
  const [command, args] =
    pin.taskset === undefined
      ? [runtime.command, [...runtime.args, name]]
      : // taskset execs the command: the child's pid is the server's.
        [pin.taskset, ['-c', String(pin.serverCpu), runtime.command, ...runtime.args, name]];
  const child = spawn(command, args, {
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
 * second request that must see what the first wrote (read+write: the counter
 * goes 1, 2; read only: `/seed` writes 1, `/` reads 1).
 */
async function returningClient(server, candidate) {
  const first = await fetch(candidate?.readOnly ? `${server.url}seed` : server.url);
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
  const expected = candidate?.readOnly ? '1' : '2';
  if (candidate !== undefined && (cookie === '' || a !== '1' || b !== expected)) {
    throw new Error(
      `${server.name}: the session did not round-trip (first "${a}", second "${b}", cookie "${cookie}")`,
    );
  }
  return cookie;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system, all threads) a process has used so far, from
 * /proc (Linux); NaN elsewhere. Unlike req/s, a server's CPU time per request
 * barely moves when other jobs take turns on its core.
 */
function cpuSeconds(pid) {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Loads one server for `seconds`; resolves with the requests completed and the seconds taken. */
async function load(server, cookie, seconds) {
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: server.url, connections: CONNECTIONS, duration: seconds, headers: cookie ? { cookie } : {} },
      (error, outcome) => {
        clearTimeout(watchdog);
        if (error) reject(error);
        else resolve(outcome);
      },
    );
    const watchdog = setTimeout(() => instance.stop(), (seconds + WATCHDOG_SECONDS) * 1000);
  });
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0)
    console.warn(`  ! ${server.name}: ${failures} failed requests of ${result.requests.total}`);
  return { requests: result.requests.total, seconds: result.duration };
}

/**
 * One paired round: `SLICES` slices of each side in ABBA order, `bareFirst`
 * choosing which side opens. Resolves with each side's req/s over its slices.
 */
async function pairedRound(bare, candidate, cookies, bareFirst) {
  const totals = new Map([
    [bare, { requests: 0, seconds: 0, cpu: 0 }],
    [candidate, { requests: 0, seconds: 0, cpu: 0 }],
  ]);
  for (let slice = 0; slice < SLICES; slice++) {
    const pair = (slice % 2 === 0) === bareFirst ? [bare, candidate] : [candidate, bare];
    for (const server of pair) {
      const cpuBefore = cpuSeconds(server.child.pid);
      const { requests, seconds } = await load(server, cookies.get(server.name), SLICE);
      const total = totals.get(server);
      total.requests += requests;
      total.seconds += seconds;
      total.cpu += cpuSeconds(server.child.pid) - cpuBefore;
    }
  }
  const rate = (server) => totals.get(server).requests / totals.get(server).seconds;
  const perCpu = (server) => totals.get(server).requests / totals.get(server).cpu;
  return { rps: rate(candidate), bareRps: rate(bare), cpuRatio: perCpu(candidate) / perCpu(bare) };
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round(q * (sorted.length - 1))];
}
const median = (values) => quantile(values, 0.5);

const pairing = `each round ${DURATION} s of candidate load and ${DURATION} s of bare Hono load, interleaved in ${SLICE} s slices (ABBA)`;
const int = (n) => Math.round(n).toLocaleString('en-US');
const spread = (ratios) =>
  Number.isNaN(median(ratios))
    ? 'n/a'
    : `${median(ratios).toFixed(2)} [${quantile(ratios, 0).toFixed(2)}–${quantile(ratios, 1).toFixed(2)}]`;

async function benchRuntime(key, pin) {
  const runtime = RUNTIMES[key];
  console.log(`\n## ${runtime.label}: ${ROUNDS} rounds; ${pairing}; ${CONNECTIONS} connections`);
  const servers = new Map();
  try {
    for (const name of [BASELINE, ...CANDIDATES.map((c) => c.name)])
      servers.set(name, await start(runtime, pin, name));
    const bare = servers.get(BASELINE);
    console.log(
      `  server CPUs: ${affinityOf(pin, bare.child.pid)}; load generator CPUs: ${affinityOf(pin, process.pid)}`,
    );
    const cookies = new Map([[BASELINE, await returningClient(bare)]]);
    for (const candidate of CANDIDATES)
      cookies.set(candidate.name, await returningClient(servers.get(candidate.name), candidate));
    for (const [name, server] of servers) await load(server, cookies.get(name), WARMUP);

    const results = new Map(
      CANDIDATES.map((c) => [c.name, { ratios: [], cpuRatios: [], rps: [], bareRps: [] }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round: every candidate runs early and late.
      const order = CANDIDATES.map((_, i) => CANDIDATES[(i + round) % CANDIDATES.length]);
      const line = [];
      for (const [i, candidate] of order.entries()) {
        const server = servers.get(candidate.name);
        const { rps, bareRps, cpuRatio } = await pairedRound(bare, server, cookies, (round + i) % 2 === 0);
        const result = results.get(candidate.name);
        result.ratios.push(rps / bareRps);
        result.cpuRatios.push(cpuRatio);
        result.rps.push(rps);
        result.bareRps.push(bareRps);
        line.push(
          `${candidate.name} ${int(rps)}/${int(bareRps)} = ${(rps / bareRps).toFixed(2)} (CPU ${cpuRatio.toFixed(2)})`,
        );
      }
      console.log(`  round ${round + 1}: ${line.join('; ')}`);
    }
    return results;
  } finally {
    await Promise.all([...servers.values()].map(stop));
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
  return `Node ${process.version}, Bun ${bun}, ${cpus().length} CPUs`;
}

for (const key of selected) {
  if (!(key in RUNTIMES)) throw new Error(`BENCH_HTTP_RUNTIMES: unknown runtime ${key} (node, bun)`);
}
const pin = pinning();
console.log(`${versions()}; ${pin.note}.`);
const results = new Map();
for (const key of selected) results.set(key, await benchRuntime(key, pin));

console.log(
  `\n${versions()}; ${pin.note}. ${ROUNDS} rounds per candidate; ${pairing}; ${CONNECTIONS} connections, loopback. Ratios: median [min–max] over rounds of the candidate's req/s ÷ its paired bare Hono's, and of its requests per server CPU-second ÷ bare Hono's (higher is better).\n`,
);
const keys = [...results.keys()];
console.log(
  `| candidate | ${keys.map((k) => `${k} req/s | ${k} req/s × bare Hono | ${k} per CPU-second × bare Hono`).join(' | ')} |`,
);
console.log(`|---|${keys.map(() => '---:|---:|---:').join('|')}|`);
const bareCells = keys.map((k) => {
  const all = [...results.get(k).values()].flatMap((r) => r.bareRps);
  return `${int(median(all))} (${int(quantile(all, 0))}–${int(quantile(all, 1))}) | 1 | 1`;
});
console.log(`| ${BASELINE} | ${bareCells.join(' | ')} |`);
for (const { name } of CANDIDATES) {
  const cells = keys.map((k) => {
    const result = results.get(k).get(name);
    return `${int(median(result.rps))} | ${spread(result.ratios)} | ${spread(result.cpuRatios)}`;
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
console.log('');
for (const key of keys) {
  for (const { name, floor, target } of CANDIDATES) {
    if (target?.[key] === undefined) continue;
    const result = results.get(key).get(name);
    const base = results.get(key).get(floor);
    const ours = median(result.ratios);
    const floorRatio = median(base.ratios);
    const share = ours / floorRatio;
    const cpuShare = median(result.cpuRatios) / median(base.cpuRatios);
    console.log(
      `target ${RUNTIMES[key].label}: ${name} ≥ ${target[key]}× its floor (${floor}) → ${spread(result.ratios)} ÷ floor ${spread(base.ratios)} = ${share.toFixed(3)}: ${share >= target[key] ? 'met' : 'MISSED'} (per server CPU-second: ${spread(result.cpuRatios)} ÷ floor ${spread(base.cpuRatios)} = ${cpuShare.toFixed(3)})`,
    );
  }
}

// The redis-server is the last child left: stop it so that this process can exit.
for (const child of running) child.kill('SIGTERM');
