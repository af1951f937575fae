/**
 * The package as npm would publish it: `npm pack` (which builds dist through
 * `prepack`), then publint and attw on the tarball, and a scratch consumer
 * that installs the tarball and type-checks an import of every subpath in
 * package.json `exports` — with the TypeScript floor the README states and
 * the current release, under `moduleResolution` bundler and nodenext.
 *
 * The consumer installs only the tarball (offline: it has no dependencies);
 * TypeScript, the optional peers (hono, react-router and the types
 * react-router's own types need) and the Workers types come from this
 * repository's node_modules, linked in. Everything happens in a scratch
 * folder under the OS temp dir, removed afterwards.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, pkg, specifier } from './manifest.ts';
import { packTarball } from './pack.ts';
import { bin, root, run } from './run.ts';
import { bundleWorkers } from './worker-bundle.ts';

/** The TypeScript versions a consumer may use: the floor stated in the README, and the current release. */
const TYPESCRIPTS = [
  { label: 'TypeScript 5.7 (the floor)', dir: 'typescript-5.7' },
  { label: 'TypeScript current', dir: 'typescript' },
];
/** What the consumer links from this repository's node_modules. */
const LINKED = ['hono', 'react-router', 'cookie', '@types/react', 'csstype', '@cloudflare/workers-types'];

let scratch: string;
let tarball: string;
/** The package as installed in the consumer, i.e. the unpacked tarball. */
let installed: string;
let consumer: string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Subpaths whose JavaScript reaches an import of a module `from` matches, through the package's own files. */
function reaching(from: RegExp): Set<string> {
  const reaches = (file: string, seen = new Set<string>()): boolean => {
    if (seen.has(file)) return false;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    if (from.test(text)) return true;
    return [...text.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)].some((m) =>
      reaches(resolve(dirname(file), m[1]!), seen),
    );
  };
  return new Set(entries.filter(([, c]) => reaches(join(installed, c.import))).map(([subpath]) => subpath));
}

/** Subpaths that reach a `cloudflare:` module: they run, and type-check, only with the Workers types. */
const workersOnly = () => reaching(/\bfrom\s+['"]cloudflare:/);
/**
 * Subpaths that reach `react-router`: its own types need the DOM lib
 * (`Window`), which conflicts with the Workers types when libraries are
 * checked, so they type-check with the DOM lib (React Router apps on Workers
 * set `skipLibCheck`; the README's Worker snippets check that setup).
 */
const domOnly = () => reaching(/\bfrom\s+['"]react-router['"]/);

/** Runs tasks at most `limit` at a time (the machine may have two cores). */
async function pool<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tesserajs-pack-'));
  tarball = await packTarball(scratch);

  consumer = join(scratch, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const installedRun = await run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      '--cache',
      join(scratch, 'npm-cache'),
      tarball,
    ],
    { cwd: consumer },
  );
  expect(installedRun.code, installedRun.output).toBe(0);
  installed = join(consumer, 'node_modules', pkg.name);
  // After the install: npm would remove packages it did not put there.
  for (const name of LINKED) {
    mkdirSync(dirname(join(consumer, 'node_modules', name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is named after the package and holds every export target, the licence and the README', () => {
    expect(relative(scratch, tarball)).toBe(`${pkg.name}-${pkg.version}.tgz`);
    expect(entries.length).toBeGreaterThan(0);
    for (const [subpath, conditions] of entries) {
      // ESM only; `default` next to `import` lets Node ≥ 22.12 require() it.
      expect(Object.keys(conditions), subpath).toEqual(['types', 'import', 'default']);
      expect(conditions.default, subpath).toBe(conditions.import);
      for (const target of Object.values(conditions))
        expect(existsSync(join(installed, target)), `${subpath}: ${target}`).toBe(true);
    }
    for (const file of ['LICENSE', 'README.md', 'package.json'])
      expect(existsSync(join(installed, file)), file).toBe(true);
  });

  it('has source maps that point only at files it ships', () => {
    const maps = filesUnder(installed).filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const {
        sources,
        sourcesContent,
        sourceRoot = '',
      } = JSON.parse(readFileSync(map, 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
        sourceRoot?: string;
      };
      sources.forEach((source, i) => {
        const file = resolve(dirname(map), sourceRoot, source);
        if (typeof sourcesContent?.[i] !== 'string' && (!file.startsWith(installed) || !existsSync(file)))
          missing.push(`${relative(installed, map)} → ${source}`);
      });
    }
    expect(missing).toEqual([]);
  });

  it('passes publint --strict with no message at any level', async () => {
    const bytes = readFileSync(tarball);
    const { messages, pkg: manifest } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      strict: true,
      level: 'suggestion',
    });
    expect(
      messages.map((message) => `${message.type}: ${formatMessage(message, manifest, { color: false })}`),
    ).toEqual([]);
  }, 60_000);

  it('passes attw --profile esm-only', async () => {
    const { code, output } = await run(bin('attw'), [
      tarball,
      '--profile',
      'esm-only',
      '--format',
      'table-flipped',
    ]);
    expect(code, output).toBe(0); // non-zero on any problem outside the ignored CommonJS resolutions
    for (const [subpath] of entries) expect(output).toContain(`"${specifier(subpath)}"`);
  }, 60_000);
});

describe('a consumer that installs the tarball', () => {
  interface Check {
    name: string;
    typescript: string;
    output: string;
    code: number | null;
  }
  const checks: Check[] = [];

  beforeAll(async () => {
    const [onlyWorkers, onlyDom] = [workersOnly(), domOnly()];
    const importAll = (subpaths: string[]) =>
      subpaths.map((subpath, i) => `import * as m${i} from '${specifier(subpath)}';`).join('\n') +
      `\nexport const modules = [${subpaths.map((_, i) => `m${i}`).join(', ')}];\n`;
    // With the Workers types every subpath but the DOM-only ones must
    // type-check; with only the DOM lib (browsers, Node, Bun, Deno-like),
    // every subpath but the Workers-only ones.
    const environments = [
      {
        env: 'workers',
        lib: ['ES2023'],
        types: ['@cloudflare/workers-types'],
        subpaths: entries.map(([s]) => s).filter((s) => !onlyDom.has(s)),
      },
      {
        env: 'dom',
        lib: ['ES2023', 'DOM'],
        types: [],
        subpaths: entries.map(([s]) => s).filter((s) => !onlyWorkers.has(s)),
      },
    ];
    const tasks: (() => Promise<Check>)[] = [];
    for (const { env, lib, types, subpaths } of environments) {
      writeFileSync(join(consumer, `${env}.ts`), importAll(subpaths));
      for (const resolution of ['bundler', 'nodenext'] as const) {
        const config = `tsconfig.${env}-${resolution}.json`;
        const compilerOptions = {
          target: 'ES2022',
          lib,
          types,
          module: resolution === 'bundler' ? 'ESNext' : 'NodeNext',
          moduleResolution: resolution,
          strict: true,
          skipLibCheck: false, // check the shipped .d.ts files themselves
          noEmit: true,
        };
        writeFileSync(
          join(consumer, config),
          JSON.stringify({ compilerOptions, files: [`${env}.ts`] }, null, 2),
        );
        for (const typescript of TYPESCRIPTS) {
          const name = `${typescript.label}, moduleResolution ${resolution}, ${env === 'workers' ? 'Workers types' : 'DOM lib'}: ${subpaths.map(specifier).join(' ')}`;
          tasks.push(async () => ({
            name,
            typescript: typescript.dir,
            ...(await run(
              process.execPath,
              [join(root, 'node_modules', typescript.dir, 'bin', 'tsc'), '-p', config],
              { cwd: consumer },
            )),
          }));
        }
      }
    }
    checks.push(...(await pool(tasks)));
  }, 240_000);

  it('runs the floor and the current TypeScript', () => {
    expect(
      JSON.parse(readFileSync(join(root, 'node_modules/typescript-5.7/package.json'), 'utf8')).version,
    ).toMatch(/^5\.7\./);
    expect(new Set(checks.map((check) => check.typescript))).toEqual(new Set(TYPESCRIPTS.map((t) => t.dir)));
    expect(checks.length).toBe(TYPESCRIPTS.length * 4);
  });

  it('type-checks every subpath in every setup', () => {
    const failures = checks
      .filter((check) => check.code !== 0)
      .map((check) => `${check.name}\n${check.output}`);
    expect(failures).toEqual([]);
  });

  it('needs the Workers types for tesserajs/durable-object only, the DOM lib for tesserajs/react-router only', () => {
    expect([...workersOnly()]).toEqual(['./durable-object']);
    expect([...domOnly()]).toEqual(['./react-router']);
  });
});

describe('a Worker bundle with only tesserajs/hono and the Durable Object store', () => {
  it('leaves out CookieStore, the cookie backend, sealing, the read cache, DBSC and consent', async () => {
    const { session, bare } = await bundleWorkers(consumer);
    // Each marker is a string only that code contains, so it survives minification.
    const markers = {
      CookieStore: 'CookieStore: option maxChunks',
      'the cookie backend': 'more than maxChunks',
      sealing: 'tessera/sealed/v1',
      'the read cache': 'readCache: option maxAge',
      'Device Bound Session Credentials': 'deviceBoundSessions: option',
      consent: 'Remembers your cookie choices',
    };
    for (const [what, marker] of Object.entries(markers))
      expect(session.code.includes(marker), what).toBe(false);
    expect(session.code).toContain('tessera/signed/v1'); // the signed id is in, so the search is meaningful
    // The size a session costs on top of bare Hono (README: "Bundle size").
    console.log(
      `Worker gzip: bare Hono ${bare.gzipBytes} B, with tesserajs/hono + Durable Object store ${session.gzipBytes} B (+${session.gzipBytes - bare.gzipBytes} B)`,
    );
  }, 120_000);
});
