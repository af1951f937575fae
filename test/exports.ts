/**
 * What the sources declare, read with the TypeScript compiler: the exports of
 * each package entry, and the property names of an exported interface. The
 * docs tests compare the API reference and the options tables with these, so
 * the docs cannot drift from the types.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { root } from './run.ts';

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  types: ['@cloudflare/workers-types/latest'],
  typeRoots: [join(root, 'node_modules/@types'), join(root, 'node_modules')],
  allowImportingTsExtensions: true,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
};

/** A program over `files` (absolute paths) and its type checker. */
export function programOf(files: string[]): { program: ts.Program; checker: ts.TypeChecker } {
  const program = ts.createProgram(files, compilerOptions);
  return { program, checker: program.getTypeChecker() };
}

/** The names a module exports, types included. */
export function exportsOf(file: string, { program, checker } = programOf([file])): string[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file} is not in the program`);
  const symbol = checker.getSymbolAtLocation(source);
  if (!symbol) return [];
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.name)
    .sort();
}

/** The property names of the interface `name` that `file` declares. */
export function propertiesOf(file: string, name: string): string[] {
  const { program, checker } = programOf([file]);
  const source = program.getSourceFile(file)!;
  const declaration = source.statements.find(
    (node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === name,
  );
  if (!declaration) throw new Error(`${file} declares no interface ${name}`);
  const type = checker.getTypeAtLocation(declaration.name);
  return checker
    .getPropertiesOfType(type)
    .map((p) => p.name)
    .sort();
}
