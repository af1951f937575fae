/**
 * A clone must need nothing beside it: no file in the repository may read
 * the sibling folder the test vectors used to come from, and no relative
 * path in code or config may climb out of the repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
// Spelled in pieces so that this file does not match its own check.
const SIBLING = ['..', 'shared'].join('/');

/** Files git tracks, plus new ones it does not ignore (so the check also sees work not yet committed). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0').filter(Boolean))];
}

const CODE = /\.(?:[cm]?[jt]s|json|toml)$/;
// A string literal that starts with ../ (imports, new URL(…), config paths).
const RELATIVE = /['"`](\.\.\/[^'"`\s]*)['"`]/g;

describe('the repository is self-contained', () => {
  const files = repositoryFiles()
    .filter((file) => !file.endsWith('package-lock.json'))
    .map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));

  it('lists the files it checks', () => {
    expect(files.map((f) => f.file)).toContain('test/vectors.ts');
    expect(files.map((f) => f.file)).toContain('test/vectors/cookie-parse.json');
  });

  it(`no file refers to ${SIBLING}`, () => {
    const offenders = files.filter(({ text }) => text.includes(SIBLING)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('no relative path in code or config points outside the repository', () => {
    const offenders: string[] = [];
    for (const { file, text } of files) {
      if (!CODE.test(file)) continue;
      for (const [, path] of text.matchAll(RELATIVE)) {
        const target = relative(root, resolve(root, dirname(file), path!));
        if (target === '..' || target.startsWith(`..${sep}`)) offenders.push(`${file}: ${path}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
