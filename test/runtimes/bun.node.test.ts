import { afterAll, beforeAll, describe, it } from 'vitest';
import { runScenario } from './scenario.ts';
import { startServer, type RunningServer } from './server.ts';

describe('examples/bun.ts on Bun', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('node_modules/.bin/bun', ['examples/bun.ts'], { SESSION_SECRET: 'runtime-test-secret-0123456789-abcdefghij' });
  }, 60_000);
  afterAll(() => server?.stop());

  it('passes the session scenario over HTTP', () => runScenario(server.url), 30_000);
});
