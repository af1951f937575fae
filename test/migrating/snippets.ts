/**
 * The "carry over" snippets of docs/migrating.md as modules a test can
 * import: written exactly as printed to a scratch folder (its node_modules a
 * link to this repository's), with only the `tesserajs…` specifiers pointed
 * at src/.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snippetsOf, sources } from '../docs.ts';
import { root } from '../run.ts';

let scratch: string | undefined;

/** The module of the snippet that starts with `// Carry over: <peer>`. */
export async function carryOverSnippet<T>(peer: string): Promise<T> {
  const marker = `// Carry over: ${peer}\n`;
  const snippet = snippetsOf('docs/migrating.md').find((s) => s.code.startsWith(marker));
  if (snippet === undefined) throw new Error(`docs/migrating.md has no snippet starting "${marker.trim()}"`);
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), 'tesserajs-migrating-'));
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  }
  let code = snippet.code;
  for (const { specifier, source } of sources) code = code.replaceAll(`'${specifier}'`, `'${source}'`);
  const file = join(scratch, `${peer.replace(/[^a-z]+/gi, '-')}-line-${snippet.line}.ts`);
  writeFileSync(file, code);
  return (await import(file)) as T;
}

/** Removes the scratch folder (call from afterAll). */
export function removeSnippets(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}
