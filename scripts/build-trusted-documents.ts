/**
 * Builds a trusted-documents manifest from .graphql files (or folders of them), validated against
 * schema.graphql. Run the gateway with TRUSTED_DOCUMENTS=<manifest> to accept only these operations.
 *
 *   npm run trusted-documents -- <file or folder>... [--out trusted-documents.json]
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildSchema } from 'graphql';

import { parseFlags } from '../src/cli.ts';
import { buildTrustedDocuments } from '../src/security/trusted-documents.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function graphqlFiles(target: string): Promise<string[]> {
  if (!(await stat(target)).isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(graphql|gql)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const { flags, positional } = parseFlags(process.argv.slice(2));
if (positional.length === 0) {
  process.stderr.write('usage: npm run trusted-documents -- <file or folder>... [--out trusted-documents.json]\n');
  process.exit(2);
}
try {
  const files = (await Promise.all(positional.map((target) => graphqlFiles(path.resolve(target))))).flat();
  if (files.length === 0) throw new Error(`No .graphql files in ${positional.join(', ')}.`);
  const sources = await Promise.all(files.map(async (file) => ({ name: path.relative(process.cwd(), file), text: await readFile(file, 'utf8') })));
  const schema = buildSchema(await readFile(path.join(root, 'schema.graphql'), 'utf8'));
  const built = buildTrustedDocuments(sources, schema);
  if ('problems' in built) {
    process.stderr.write(`Cannot build trusted documents:\n${built.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    process.exit(1);
  }
  const out = path.resolve(flags.out ?? 'trusted-documents.json');
  await writeFile(out, `${JSON.stringify(built.manifest, null, 2)}\n`);
  for (const operation of built.operations) process.stdout.write(`${operation.id}  ${operation.name}\n`);
  process.stdout.write(`Wrote ${built.operations.length} trusted documents to ${path.relative(process.cwd(), out) || out}.\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
