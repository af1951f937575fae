/**
 * Cloudflare stores inside workerd: the test Worker (test/workers/main.ts),
 * bundled by wrangler and run by Miniflare with local KV and SQLite Durable
 * Objects, answers a returning client's requests with each store. Every
 * request pays the same Node ↔ workerd hop, so the interesting number is each
 * store's cost relative to MemoryStore in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { compare } from './harness.ts';

const ORIGIN = 'https://bench.example';

function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  execFileSync(
    'node_modules/.bin/wrangler',
    ['deploy', '--dry-run', '--outdir', dir, '-c', 'test/workers/wrangler.toml'],
    {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  return dir;
}

export async function benchWorkerd(): Promise<void> {
  const dir = bundle();
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'main.js'),
    modulesRoot: dir,
    compatibilityDate: '2026-04-26',
    compatibilityFlags: ['nodejs_compat'],
    kvNamespaces: ['SESSIONS_KV'],
    durableObjects: { SESSIONS_DO: { className: 'SessionDurableObject', useSQLite: true } },
    d1Databases: ['DB'],
  });
  try {
    const cookies: Record<string, string> = {};
    for (const store of ['memory', 'kv', 'do']) {
      const login = await mf.dispatchFetch(`${ORIGIN}/login?store=${store}&user=bench`);
      await login.arrayBuffer();
      cookies[store] = login.headers.getSetCookie()[0]!.split(';')[0]!;
    }
    // Writes rotate over many sessions: KV takes one write per key per second,
    // and a real site's writes spread over its sessions (the store queues
    // writes to one key). Fewer for the others: each Durable Object session
    // and user is an object of its own, and local workerd runs out of SQLite
    // memory at about 3,000 of them in one process.
    const writers: Record<string, string[]> = {};
    for (const store of ['memory', 'kv', 'do']) {
      const count = store === 'kv' ? 1500 : 200;
      const logins: string[] = [];
      for (let from = 0; from < count; from += 100) {
        const batch = Array.from({ length: 100 }, async (_, i) => {
          const login = await mf.dispatchFetch(`${ORIGIN}/login?store=${store}&user=writer-${from + i}`);
          await login.arrayBuffer();
          return login.headers.getSetCookie()[0]!.split(';')[0]!;
        });
        logins.push(...(await Promise.all(batch)));
      }
      writers[store] = logins;
    }
    let turn = 0;
    const request = (path: string, store: string) => async () => {
      const cookie = path === '/count' ? writers[store]![turn++ % writers[store]!.length]! : cookies[store]!;
      const response = await mf.dispatchFetch(`${ORIGIN}${path}?store=${store}`, { headers: { cookie } });
      await response.arrayBuffer();
    };
    for (const [label, path] of [
      ['read the session', '/'],
      ['write the session (increment)', '/count'],
    ] as const) {
      const times = await compare(
        `workerd request that must ${label}`,
        {
          MemoryStore: request(path, 'memory'),
          'KVStore (local KV)': request(path, 'kv'),
          'DurableObjectStore (local SQLite DO)': request(path, 'do'),
        },
        [],
        { minTimeMs: 1000, baseline: 'MemoryStore' },
      );
      const memory = times.get('MemoryStore')!;
      for (const [name, ns] of times) {
        if (name !== 'MemoryStore')
          console.log(`  ${name}: +${((ns - memory) / 1000).toFixed(0)} µs per request over MemoryStore`);
      }
    }
    await benchReadCache(mf);
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The read cache: 100 requests that read a session, with and without the
 * cache, on KV and Durable Objects — store reads per 100 requests and the
 * time per request, as ratios.
 */
async function benchReadCache(mf: Miniflare): Promise<void> {
  for (const store of ['kv', 'do']) {
    const cookies: Record<string, string> = {};
    // KV also with the revocation check (a per-user read beside the cache; Durable Objects have none).
    const variants = store === 'kv' ? ['', '&cache=1', '&cache=revocation'] : ['', '&cache=1'];
    for (const cache of variants) {
      const login = await mf.dispatchFetch(`${ORIGIN}/login?store=${store}&user=cached${cache}`);
      await login.arrayBuffer();
      cookies[cache] = login.headers
        .getSetCookie()
        .map((line) => line.split(';')[0]!)
        .join('; ');
    }
    const readsPer100 = async (cache: string) => {
      await (await mf.dispatchFetch(`${ORIGIN}/reads?store=${store}`)).arrayBuffer();
      let cookie = cookies[cache]!;
      for (let i = 0; i < 100; i++) {
        const response = await mf.dispatchFetch(`${ORIGIN}/?store=${store}${cache}`, { headers: { cookie } });
        await response.arrayBuffer();
        const refreshed = response.headers.getSetCookie().find((line) => line.includes('.cache='));
        if (refreshed) cookie = `${cookies[cache]!.split('; ')[0]}; ${refreshed.split(';')[0]}`;
      }
      return (await (await mf.dispatchFetch(`${ORIGIN}/reads?store=${store}`)).json()) as number;
    };
    const [without, withCache] = [await readsPer100(''), await readsPer100('&cache=1')];
    const label = store === 'kv' ? 'KVStore (local KV)' : 'DurableObjectStore (local SQLite DO)';
    console.log(`  ${label}: store reads per 100 reads — without the cache ${without}, with it ${withCache}`);
    const request = (cache: string) => async () => {
      const response = await mf.dispatchFetch(`${ORIGIN}/?store=${store}${cache}`, {
        headers: { cookie: cookies[cache]! },
      });
      await response.arrayBuffer();
    };
    await compare(
      `workerd request that reads the session, ${label}`,
      {
        'with the read cache': request('&cache=1'),
        ...(variants.includes('&cache=revocation')
          ? { 'with the read cache and checkRevocation': request('&cache=revocation') }
          : {}),
        'without the read cache': request(''),
      },
      [],
      { minTimeMs: 1000 },
    );
  }
}
