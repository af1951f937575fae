/**
 * JSR: jsr.json exports the same subpaths as package.json, from the sources
 * rather than dist, and `deno publish --dry-run` (the Deno from
 * devDependencies: type-check, slow-types check, file list) passes.
 *
 * Not on JSR: `./durable-object`. It imports `cloudflare:workers`, which
 * neither Deno nor JSR can resolve, and its class extends the Workers
 * `DurableObject`, whose types exist only with @cloudflare/workers-types.
 *
 * jsr.json sets `compilerOptions.lib` to Deno's own (`deno.window`): without
 * it Deno would type-check with the repository's tsconfig.json, which is for
 * Workers. Its `imports` say where `hono` comes from for JSR users. Nothing
 * needs the network: `hono` resolves from node_modules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entries, pkg } from './manifest.ts';
import { bin, root, run } from './run.ts';

const NOT_ON_JSR = ['./durable-object'];

const jsr = JSON.parse(readFileSync(join(root, 'jsr.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string>;
  publish: { include: string[]; exclude: string[] };
};

/** `./dist/stores/kv/index.js` → `./src/stores/kv/index.ts`: where tsc built each export from. */
const sourceOf = (built: string) => built.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');

describe('jsr.json', () => {
  it('names the package and carries the version and licence of package.json', () => {
    expect(jsr.name).toBe('@tesserajs/core');
    expect(jsr.version).toBe(pkg.version);
    expect(jsr.license).toBe(pkg.license);
  });

  it("exports package.json's subpaths from their sources, less the ones JSR cannot take", () => {
    const expected = Object.fromEntries(
      entries
        .filter(([subpath]) => !NOT_ON_JSR.includes(subpath))
        .map(([subpath, conditions]) => [subpath, sourceOf(conditions.import)]),
    );
    expect(jsr.exports).toEqual(expected);
    for (const subpath of NOT_ON_JSR) {
      const [, conditions] = entries.find(([s]) => s === subpath)!;
      expect(jsr.publish.exclude, subpath).toContain(sourceOf(conditions.import).slice(2));
    }
  });

  it('passes deno publish --dry-run, type-checked, without the excluded files', async () => {
    const { code, output } = await run(bin('deno'), ['publish', '--dry-run', '--allow-dirty']);
    expect(code, output).toBe(0);
    expect(output).toContain('Checking for slow types in the public API');
    for (const target of Object.values(jsr.exports)) expect(output).toContain(`Check ${target.slice(2)}`);
    expect(output).toContain(`Simulating publish of ${jsr.name}@${jsr.version}`);
    for (const excluded of jsr.publish.exclude) expect(output).not.toContain(excluded);
    expect(output).toContain('Success Dry run complete');
  }, 120_000);
});
