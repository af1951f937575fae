/**
 * A driver for `node --cpu-prof`: the CookieStore request of `npm run bench
 * session` (read a counter, write it back plus one, through `handle`, by a
 * client that returns its cookies) in a tight loop, nothing else.
 *   cookie:    the CookieStore request
 *   memory:    the same request on a MemoryStore (the floor's first part)
 *   cookie-js: the CookieStore request with Web Crypto's encrypt answered at
 *              once by a stub (diagnosis only: what the request costs besides
 *              the encryption; the cookies it writes do not open)
 * Prints the time and the process CPU time per request.
 * Usage: node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/profile-cookiestore.ts [cookie|memory|cookie-js] [seconds]
 * (.cpuprofile files are not committed.)
 */
import { CookieStore, createSessionManager, MemoryStore } from '../src/index.ts';
import { browserClient } from './client.ts';

const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';
const mode = process.argv[2] ?? 'cookie';
const seconds = Number(process.argv[3] ?? 5);

if (mode === 'cookie-js') {
  // Resolves with as many bytes as AES-GCM returns: the code after it runs as usual.
  const stub = async (_algorithm: unknown, _key: CryptoKey, data: BufferSource) =>
    new ArrayBuffer(data.byteLength + 16);
  Object.defineProperty(crypto.subtle, 'encrypt', { value: stub });
}

const manager = createSessionManager<{ n?: number }>({
  secrets: SECRET,
  store: mode === 'memory' ? new MemoryStore() : new CookieStore(),
});
const counter = manager.handle(async (_request, _env, _ctx, session) => {
  session.set('n', ((await session.get('n')) ?? 0) + 1);
  return new Response('ok');
});
const cycle = browserClient((request) => counter(request, undefined, undefined));

const started = performance.now();
const cpu = process.cpuUsage();
let cycles = 0;
while (performance.now() - started < seconds * 1000) {
  for (let i = 0; i < 1000; i++) await cycle();
  cycles += 1000;
}
const elapsed = performance.now() - started;
const used = process.cpuUsage(cpu);
console.log(
  `${mode}: ${cycles} requests, ${((elapsed * 1000) / cycles).toFixed(2)} µs each, ` +
    `${((used.user + used.system) / cycles).toFixed(2)} µs of CPU (all threads)`,
);
