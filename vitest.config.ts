import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// workerd reports every closed test connection as a disconnected WebSocket.
// @cloudflare/vitest-pool-workers drops similar harmless lines but not this
// one, and has no option for it, so drop exactly that line from the output.
const harmless =
  /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected\n$/;
const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
  if (typeof chunk !== 'string' || !harmless.test(chunk)) return write(chunk, ...rest);
  const done = rest.at(-1);
  if (typeof done === 'function') done();
  return true;
}) as typeof process.stdout.write;

// Tests under test/ run in every runtime unless their name says otherwise:
// *.node.test.ts only on Node (they spawn processes, read files, drive a
// browser), *.workerd.test.ts only inside workerd (they need its bindings).
const all = ['test/**/*.test.ts'];
const nodeOnly = 'test/**/*.node.test.ts';
const workerdOnly = 'test/**/*.workerd.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'node', include: all, exclude: [workerdOnly], environment: 'node' },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './test/workers/wrangler.toml' },
            // The shipped D1 migrations, applied to the DB binding by the setup file.
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(
                  fileURLToPath(new URL('./migrations', import.meta.url)),
                ),
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: all,
          exclude: [nodeOnly],
          setupFiles: ['./test/workers/apply-migrations.ts'],
        },
      },
    ],
  },
});
