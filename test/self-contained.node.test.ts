/**
 * A clone must need nothing beside it: no file in the repository may read
 * the sibling folder the test vectors used to come from, and no relative
 * path in code or config may climb out of the repository.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
// Spelled in pieces so that this file does not match its own check.
const SIBLING = ['..', 'shared'].join('/');

/** Paths git tracks, plus new ones it does not ignore (so the check also sees work not yet committed). */
function repositoryPaths(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0').filter(Boolean))];
}

/** What a listed path is now: a file, a link, or something else (gone, or a nested repository another test made). */
function kindOf(path: string): 'file' | 'link' | 'other' {
  try {
    const stat = lstatSync(join(root, path));
    return stat.isSymbolicLink() ? 'link' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

const paths = repositoryPaths().map((path) => ({ path, kind: kindOf(path) }));

const CODE = /\.(?:[cm]?[jt]s|json|toml)$/;
// A string literal that starts with ../ (imports, new URL(…), config paths).
const RELATIVE = /['"`](\.\.\/[^'"`\s]*)['"`]/g;

describe('the repository is self-contained', () => {
  const files = paths
    .filter(({ path, kind }) => kind === 'file' && !path.endsWith('package-lock.json'))
    .map(({ path }) => ({ file: path, text: readFileSync(join(root, path), 'utf8') }));

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

  it('no link in the repository points outside it', () => {
    const offenders = paths
      .filter(({ kind }) => kind === 'link')
      .map(({ path }) => ({
        path,
        target: relative(root, resolve(root, dirname(path), readlinkSync(join(root, path)))),
      }))
      .filter(
        ({ target }) =>
          target === '..' || target.startsWith(`..${sep}`) || target === '' || target.startsWith(sep),
      )
      .map(({ path, target }) => `${path} -> ${target}`);
    expect(offenders).toEqual([]);
  });
});
