/**
 * One candidate on Node through `@hono/node-server`, on 127.0.0.1 and a free
 * port. Prints `ready <port>` once listening; stops on SIGTERM.
 * Usage: tsx bench/http/node-server.ts '<candidate name>'
 */
import { serve } from '@hono/node-server';
import { handlerFor } from './apps.ts';

const fetch = handlerFor(process.argv[2]);
const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(`ready ${info.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
