import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { ERROR_CODES } from '../src/error-codes.ts';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** Every module under src/ (its path relative to src/) with its text, read once for every check below. */
const sources = new Map(
  (readdirSync(src, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => [file, readFileSync(join(src, file), 'utf8')] as const),
);

/** Every module under src/ with the modules of src/ it imports (type-only imports included: they are still a dependency). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [module, text] of sources) {
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const local = importedFiles
      .map(({ fileName }) => fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(join(src, module)), name))
      .filter((path) => path.startsWith(src + '/'));
    graph.set(module, [...new Set(local.map((path) => relative(src, path)))]);
  }
  return graph;
}

/** The import circles of the graph, each as the path that closes it. */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe('the layout of src/', () => {
  const graph = importGraph();

  it('finds the modules it checks, and their imports', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('server.ts')).toContain('schema/index.ts');
  });

  it('has no import circle', () => {
    expect(circles(graph).map((path) => path.join(' → '))).toEqual([]);
  });

  it('detects a circle when there is one', () => {
    const withCircle = new Map(graph);
    withCircle.set('db/keyset.ts', [...(graph.get('db/keyset.ts') ?? []), 'server.ts']);
    expect(circles(withCircle).length).toBeGreaterThan(0);
  });

  it('keeps dependencies pointing one way: the data layer and the Letta domain import nothing from the schema or HTTP', () => {
    const lower = ['db/', 'loaders/', 'letta/'];
    const upper = ['schema/', 'http/', 'server.ts', 'main.ts', 'execution.ts'];
    const wrong = [...graph]
      .filter(([file]) => lower.some((prefix) => file.startsWith(prefix)))
      .flatMap(([file, imports]) => imports.filter((target) => upper.some((prefix) => target.startsWith(prefix))).map((target) => `${file} → ${target}`));
    expect(wrong).toEqual([]);
  });

  it('keeps the Letta domain pure: no GraphQL, no SQL driver, no database', () => {
    const impure = [...graph.keys()]
      .filter((file) => file.startsWith('letta/'))
      .flatMap((file) => {
        const { importedFiles } = ts.preProcessFile(sources.get(file)!, true, true);
        return importedFiles
          .map(({ fileName }) => fileName)
          .filter((name) => /^(graphql|@pothos|pg|@electric-sql|@prisma)|\/db\/|\/schema\//.test(name))
          .map((name) => `${file} → ${name}`);
      });
    expect(impure).toEqual([]);
  });
});

describe('error codes', () => {
  const codes = new Set(Object.keys(ERROR_CODES));

  it('are all in the registry: no code written as a loose string elsewhere in src/', () => {
    const loose: string[] = [];
    for (const [file, text] of sources) {
      if (file === 'error-codes.ts') continue;
      for (const match of text.matchAll(/code: '([A-Z][A-Z_]+)'|errorResponse\([^;]*?'([A-Z][A-Z_]+)'/g)) {
        const code = match[1] ?? match[2]!;
        if (!codes.has(code)) loose.push(`${file}: ${code}`);
      }
    }
    expect(loose).toEqual([]);
  });

  it('are the ones the README documents', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('Errors carry a stable `extensions.code`'), readme.indexOf('is `INTERNAL_SERVER_ERROR` with the message') + 40);
    const documented = new Set([...section.matchAll(/`([A-Z][A-Z_]+\*?)`/g)].map((match) => match[1]!));
    const expanded = new Set([...codes].filter((code) => documented.has(code) || [...documented].some((d) => d.endsWith('*') && code.startsWith(d.slice(0, -1)))));
    expect([...codes].filter((code) => !expanded.has(code))).toEqual([]);
    expect([...documented].filter((code) => !code.endsWith('*') && !codes.has(code))).toEqual([]);
  });
});

describe('reads of Letta tables', () => {
  it('never go through @pothos/plugin-prisma field builders, which would skip tenancy, batching and keyset pages', () => {
    const found: string[] = [];
    for (const [file, text] of sources) {
      for (const match of text.matchAll(/\b(prismaObject|prismaNode|prismaField|prismaConnection|prismaInterface|relatedConnection|t\.relation|t\.relationCount)\s*\(/g)) found.push(`${file}: ${match[1]}`);
    }
    expect(found).toEqual([]);
  });

  it('never go through the Prisma client from a resolver or a loader: they read through db/, which scopes every statement', () => {
    const found: string[] = [];
    for (const [file, text] of sources) {
      if (!/^(schema|loaders)\//.test(file)) continue;
      if (/\.prisma\b(?!\/)/.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').replace(/'[^']*'|`[^`]*`/g, "''"))) found.push(file);
    }
    expect(found).toEqual([]);
  });
});
