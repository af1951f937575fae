#!/usr/bin/env node
// `npm start`: the demo Worker under `wrangler dev`, local KV and Durable
// Objects, no Cloudflare account. Says which secret it uses before starting.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('.dev.vars')) {
  console.log('No .dev.vars: the Worker uses a development-only session secret.');
  console.log('Copy .dev.vars.example to .dev.vars to set your own.\n');
}
const wrangler = new URL('../../node_modules/.bin/wrangler', import.meta.url).pathname;
const child = spawn(wrangler, ['dev', '--ip', '127.0.0.1', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
