/**
 * The README and every page of the docs site (every .md file under docs/) run as
 * written: every ```ts block type-checks exactly as printed, each as its own
 * module, against the sources (`tesserajs/…` mapped to src/ from
 * package.json `exports`) in the runtime it is written for (see
 * test/docs.ts); and each quick start under examples/quickstart/ is printed
 * file by file, as it is, on its getting-started page.
 *
 * - Deno (uses `Deno.` or `npm:` specifiers): the real `deno check`, with an
 *   import map sending `npm:tesserajs…` and `tesserajs…` to src/;
 * - Bun (uses `Bun.`): tsc with @types/bun;
 * - Node (uses `process.`, @hono/node-server or vitest): tsc with the DOM lib and @types/node;
 * - everything else is Worker code: tsc with @cloudflare/workers-types (latest).
 *
 * The snippets are written to a scratch folder under the OS temp dir whose
 * node_modules is a link to this repository's.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docPages, docText, snippetsOf, sources, type Runtime } from './docs.ts';
import { bin, root, run, type RunResult } from './run.ts';

const DOCS = ['README.md', ...docPages()];
const snippets = DOCS.flatMap(snippetsOf);

const TSC: Record<Exclude<Runtime, 'deno'>, { lib: string[]; types: string[] }> = {
  workers: { lib: ['ES2023'], types: ['@cloudflare/workers-types/latest'] },
  node: { lib: ['ES2023', 'DOM'], types: ['node'] },
  bun: { lib: ['ESNext'], types: ['bun'] },
};

let scratch: string;
const results = new Map<Runtime, RunResult>();

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tesserajs-readme-'));
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  for (const runtime of ['workers', 'node', 'bun', 'deno'] as const) mkdirSync(join(scratch, runtime));
  for (const snippet of snippets) writeFileSync(join(scratch, snippet.file), snippet.code);

  const checks: Promise<void>[] = [];
  for (const [runtime, { lib, types }] of Object.entries(TSC) as [
    Exclude<Runtime, 'deno'>,
    (typeof TSC)['node'],
  ][]) {
    const files = snippets.filter((s) => s.runtime === runtime).map((s) => s.file);
    const config = {
      compilerOptions: {
        target: 'ES2022',
        lib,
        types,
        module: 'ESNext',
        moduleResolution: 'bundler',
        moduleDetection: 'force', // every snippet is its own module
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        allowImportingTsExtensions: true, // src/ imports its own files by .ts
        paths: Object.fromEntries(sources.map(({ specifier, source }) => [specifier, [source]])),
      },
      files,
    };
    writeFileSync(join(scratch, `tsconfig.${runtime}.json`), JSON.stringify(config, null, 2));
    checks.push(
      run(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${runtime}.json`],
        { cwd: scratch },
      ).then((r) => void results.set(runtime, r)),
    );
  }

  // Deno: the real checker, with `npm:tesserajs…` mapped to the sources.
  const denoConfig = join(scratch, 'deno', 'deno.json');
  // Both spellings: `npm:tesserajs` without a package.json, bare with one (the quick start).
  const imports = Object.fromEntries(
    sources.flatMap(({ specifier, source }) => [
      [`npm:${specifier}`, pathToFileURL(source).href],
      [specifier, pathToFileURL(source).href],
    ]),
  );
  writeFileSync(denoConfig, JSON.stringify({ imports, unstable: ['kv'] }, null, 2));
  const denoFiles = snippets.filter((s) => s.runtime === 'deno').map((s) => s.file.slice('deno/'.length));
  checks.push(
    run(
      bin('deno'),
      ['check', '--config', denoConfig, '--no-remote', '--no-npm', '--no-lock', ...denoFiles],
      { cwd: join(scratch, 'deno') },
    ).then((r) => void results.set('deno', r)),
  );
  await Promise.all(checks);
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('README and the docs pages', () => {
  it('have TypeScript snippets (the README for every runtime), and the test sees all of them', () => {
    expect(DOCS).toContain('docs/migrating.md');
    expect(DOCS).toContain('docs/stores/index.md');
    for (const doc of DOCS) {
      const seen = snippets.filter((s) => s.doc === doc);
      expect(seen.length, doc).toBe(docText(doc).match(/^```ts$/gm)?.length ?? 0);
    }
    expect(snippets.length).toBeGreaterThan(DOCS.length);
    const inReadme = snippets.filter((s) => s.doc === 'README.md');
    expect(new Set(inReadme.map((s) => s.runtime))).toEqual(new Set(['workers', 'node', 'bun', 'deno']));
  });

  for (const runtime of ['workers', 'node', 'bun', 'deno'] as const) {
    it(`type-checks its ${runtime} snippets exactly as printed`, () => {
      const result = results.get(runtime)!;
      const lines = snippets.filter((s) => s.runtime === runtime).map((s) => `${s.doc}:${s.line}`);
      expect(result.code, `${lines.join(', ')}\n${result.output}`).toBe(0);
    });
  }

  it('gives the command that runs each runtime example, the one its file names', () => {
    const allDocs = DOCS.map(docText).join('\n');
    const commands = {
      'examples/node.ts': 'npx tsx examples/node.ts',
      'examples/bun.ts': 'npx bun examples/bun.ts',
      'examples/deno.ts': 'npx deno run --unstable-kv --allow-net --allow-env examples/deno.ts',
    };
    for (const [file, command] of Object.entries(commands)) {
      expect(allDocs, file).toContain(command);
      expect(readFileSync(join(root, file), 'utf8'), file).toContain(command);
    }
  });

  it('print every file of each quick start, as it is, on its getting-started page', () => {
    const quickstarts = join(root, 'examples', 'quickstart');
    const runtimes = readdirSync(quickstarts, { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(runtimes.length).toBe(5);
    for (const { name } of runtimes) {
      const page = docText(`docs/getting-started/${name}.md`);
      const dir = join(quickstarts, name);
      const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      for (const file of files) {
        const path = relative(dir, join(file.parentPath, file.name));
        const text = readFileSync(join(dir, path), 'utf8');
        expect(page, `${name}/${path}`).toContain(`\`${path}\`:\n\n`);
        expect(page, `${name}/${path}`).toMatch(new RegExp(`^\`\`\`\\w+\\n${escape(text)}\`\`\`$`, 'm'));
      }
      // The README shows each one's code file, as it is.
      const main = files.find((e) => e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))!;
      const code = readFileSync(join(main.parentPath, main.name), 'utf8');
      expect(docText('README.md'), `README: ${name}`).toContain(`\`\`\`ts\n${code}\`\`\``);
    }
  });
});

/** `text` as a literal inside a RegExp. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
