/**
 * One candidate on Bun through `Bun.serve`, on 127.0.0.1 and a free port.
 * Prints `ready <port>` once listening; stops on SIGTERM.
 * Usage: bun bench/http/bun-server.ts '<candidate name>'
 */
import { handlerFor } from './apps.ts';

// The slice of Bun's API used here (Bun's own types are not installed).
declare const Bun: {
  serve(options: {
    fetch: (request: Request) => Response | Promise<Response>;
    hostname: string;
    port: number;
  }): {
    port: number;
    stop(closeActiveConnections?: boolean): void;
  };
};

const fetch = handlerFor(process.argv[2]);
const server = Bun.serve({ fetch, hostname: '127.0.0.1', port: 0 });
console.log(`ready ${server.port}`);
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
