import { readFile, writeFile } from 'node:fs/promises';

import { printSchema } from 'graphql';

import { schema } from '../src/schema/index.ts';

/** Prints the schema (sorted) to schema.graphql; with --check, fails if the committed file is stale. */
const file = new URL('../schema.graphql', import.meta.url);
const printed = `${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed !== printed) {
    process.stderr.write('schema.graphql is stale: run "npm run schema:print" and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('schema.graphql is up to date.\n');
} else {
  await writeFile(file, printed);
  process.stdout.write('Wrote schema.graphql.\n');
}
