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
    const request = (path: string, store: string) => async () => {
      const response = await mf.dispatchFetch(`${ORIGIN}${path}?store=${store}`, {
        headers: { cookie: cookies[store]! },
      });
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
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
