/** `npm run bench`: every micro-benchmark, peers side by side, ratios at the end. */
import { benchCookie } from './cookie.ts';
import { benchCrypto } from './crypto.ts';
import { benchPostgres } from './postgres.ts';
import { benchRedis } from './redis.ts';
import { benchSession } from './session.ts';
import { benchWorkerd } from './workerd.ts';
import { report } from './harness.ts';

const only = process.argv[2];
const suites: Record<string, () => Promise<void>> = {
  cookie: benchCookie,
  crypto: benchCrypto,
  session: benchSession,
  redis: benchRedis,
  postgres: benchPostgres,
  workerd: benchWorkerd,
};
for (const [name, suite] of Object.entries(suites)) {
  if (only === undefined || only === name) await suite();
}
report();
