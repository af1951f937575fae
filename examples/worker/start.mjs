#!/usr/bin/env node
// `npm start`: the demo Worker under `wrangler dev`, local KV and Durable
// Objects, no Cloudflare account. Says which secret it uses before starting,
// and refuses the public placeholder from .dev.vars.example.
//
// Arguments go to `wrangler dev`: `npm start -- --ip 0.0.0.0 --port 8788`.
// Without --ip it listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** SESSION_SECRET from a .dev.vars-style file (KEY=value lines, optional quotes). */
function sessionSecretIn(file) {
  const match = /^\s*SESSION_SECRET\s*=\s*(["']?)(.*)\1\s*$/m.exec(readFileSync(file, 'utf8'));
  return match?.[2];
}

const placeholder = sessionSecretIn(new URL('../../.dev.vars.example', import.meta.url));
if (!existsSync('.dev.vars')) {
  console.log(
    'No .dev.vars: the Worker uses a development-only session secret, for requests to localhost only.',
  );
  console.log('To set your own, copy .dev.vars.example to .dev.vars and replace the value.\n');
} else if (placeholder !== undefined && sessionSecretIn('.dev.vars') === placeholder) {
  console.error(
    '.dev.vars still holds the placeholder SESSION_SECRET from .dev.vars.example, which anyone can read.',
  );
  console.error('Replace it with a secret of your own, made with:');
  console.error(`  node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`);
  process.exit(1);
}

const args = process.argv.slice(2);
const hasIp = args.some((arg) => arg === '--ip' || arg.startsWith('--ip='));
const wrangler = new URL('../../node_modules/.bin/wrangler', import.meta.url).pathname;
const child = spawn(wrangler, ['dev', ...(hasIp ? [] : ['--ip', '127.0.0.1']), ...args], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
