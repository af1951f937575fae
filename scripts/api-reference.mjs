/**
 * Generates the API reference from the TSDoc comments with TypeDoc and
 * typedoc-plugin-markdown: one module per subpath in package.json `exports`,
 * named by its import specifier (`tesserajs/kv`), so a new subpath is in the
 * reference without touching this file.
 *
 *   node scripts/api-reference.mjs [outDir]      (default docs/api, gitignored)
 *
 * `npm run docs:build` runs it before VitePress; test/api-reference.node.test.ts
 * runs it into a scratch folder and checks that every export is listed.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind } from 'typedoc';

const root = fileURLToPath(new URL('../', import.meta.url));

/** [specifier, source file] for every subpath export (./package.json aside). */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.entries(pkg.exports)
    .filter(([, conditions]) => typeof conditions === 'object')
    .map(([subpath, conditions]) => [
      pkg.name + subpath.slice(1),
      join(root, conditions.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
    ]);
}

/** Writes the reference as markdown into `out`; resolves to the converted project. */
export async function generate(out) {
  const entries = entryPoints();
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map(([, source]) => source),
    entryPointStrategy: 'resolve',
    tsconfig: join(root, 'tsconfig.json'),
    plugin: ['typedoc-plugin-markdown'],
    out,
    readme: 'none',
    name: 'API reference',
    // The markdown files live inside the VitePress site: links end in .md,
    // and the site supplies its own page chrome.
    entryFileName: 'index',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    classPropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    excludePrivate: true,
    excludeInternal: true,
    githubPages: false,
    disableSources: true,
    logLevel: 'Warn',
    validation: { notExported: false, invalidLink: true, rewrittenLink: true },
  });
  // TypeDoc names a module after its path under src/; readers import it by
  // its specifier, so name it that.
  const bySource = new Map(entries.map(([specifier, source]) => [resolve(source), specifier]));
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file =
      reflection.sources?.[0]?.fullFileName ?? _context.project.files?.getReflectionPath?.(reflection);
    const specifier = file ? bySource.get(resolve(file)) : undefined;
    if (specifier) reflection.name = specifier;
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the sources (see the messages above)');
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error('TypeDoc reported errors (see the messages above)');
  return { project, entries, relative: (file) => relative(root, file) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(root, 'docs', 'api'));
  await generate(out);
  console.log(`API reference written to ${relative(process.cwd(), out) || '.'}`);
}
