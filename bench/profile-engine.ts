/**
 * A driver for `node --cpu-prof`: one path of `npm run bench session` in a
 * tight loop, nothing else, so that the profile shows only that path.
 *   engine: load + get + set + commit on a MemoryStore, returning client
 *   hono:   the tesserajs/hono app of `npm run bench:http` (read + write), in process
 *   bare:   the same Hono request without a session
 *   floor:  the same Hono request through an async middleware that appends one Set-Cookie
 * Usage: node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/profile-engine.ts [engine|hono|bare|floor] [seconds]
 * (.cpuprofile files are not committed.)
 */
import { createSessionManager, MemoryStore } from '../src/index.ts';
import { browserClient } from './client.ts';
import { candidates } from './http/apps.ts';

const SECRET = 'a-benchmark-secret-of-at-least-32-bytes!!';
const mode = process.argv[2] ?? 'engine';
const seconds = Number(process.argv[3] ?? 5);

async function engineCycle(): Promise<() => Promise<void>> {
  const manager = createSessionManager<{ n?: number }>({ secrets: SECRET, store: new MemoryStore() });
  const first = manager.load(new Request('https://bench.example/'));
  first.set('n', 0);
  const cookie = (await manager.commit(first, new Response())).headers.getSetCookie()[0]!.split(';')[0]!;
  const returning = new Request('https://bench.example/', { headers: { cookie } });
  const ready = new Response('ok');
  return async () => {
    const session = manager.load(returning);
    session.set('n', ((await session.get('n')) ?? 0) + 1);
    await manager.commit(session, ready);
  };
}

const cycle =
  mode === 'engine'
    ? await engineCycle()
    : browserClient(
        candidates[
          mode === 'hono'
            ? 'Tessera MemoryStore'
            : mode === 'floor'
              ? 'floor: async middleware + cookie header + one Set-Cookie'
              : 'bare Hono'
        ]!(),
      );
const until = performance.now() + seconds * 1000;
let cycles = 0;
while (performance.now() < until) {
  for (let i = 0; i < 1000; i++) await cycle();
  cycles += 1000;
}
console.log(`${mode}: ${cycles} cycles, ${((seconds * 1e6) / cycles).toFixed(2)} µs each`);
