/**
 * The TypeScript snippets of the project's documents (README.md and every
 * page of the docs site), each with the runtime it is written for, and where
 * the `tesserajs…` specifiers they import live in src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entries, specifier } from './manifest.ts';
import { root } from './run.ts';

export type Runtime = 'workers' | 'node' | 'bun' | 'deno';

export interface Snippet {
  /** The document, relative to the repository root. */
  doc: string;
  /** The snippet's first line of code in the document. */
  line: number;
  code: string;
  runtime: Runtime;
  /** Where a checker writes it: `<runtime>/<doc>-line-<line>.ts`. */
  file: string;
}

/**
 * Deno code uses `Deno.` or `npm:` specifiers; Bun code `Bun.`; Node code
 * `process.`, @hono/node-server or vitest; everything else is Worker code.
 */
function runtimeOf(snippet: string): Runtime {
  const code = snippet.replace(/\/\/.*$/gm, ''); // what comments mention does not count
  if (/\bDeno\.|from 'npm:/.test(code)) return 'deno';
  if (/\bBun\./.test(code)) return 'bun';
  if (/\bprocess\.|'@hono\/node-server'|from 'vitest'/.test(code)) return 'node';
  return 'workers';
}

/**
 * Every markdown page of the docs site, relative to the repository root:
 * every .md file under docs/ but the generated API reference and VitePress' own folders.
 */
export function docPages(): string[] {
  return readdirSync(join(root, 'docs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length).replaceAll('\\', '/'))
    .filter((doc) => !/^docs\/(api|\.vitepress)\//.test(doc))
    .sort();
}

/** The document's text. */
export const docText = (doc: string): string => readFileSync(join(root, doc), 'utf8');

/** Every ```ts block of `doc`, in order. */
export function snippetsOf(doc: string): Snippet[] {
  const text = docText(doc);
  const stem = doc.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => {
    const line = text.slice(0, match.index).split('\n').length + 1; // the first line of code
    const runtime = runtimeOf(match[1]!);
    return { doc, line, code: match[1]!, runtime, file: `${runtime}/${stem}-line-${line}.ts` };
  });
}

/** `tesserajs/kv` → src/stores/kv/index.ts, for every subpath the package exports. */
export const sources = entries.map(([subpath, conditions]) => ({
  specifier: specifier(subpath),
  source: join(root, conditions.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
}));
