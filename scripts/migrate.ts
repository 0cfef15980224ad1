import { migrate } from '../src/db/migrate.ts';
import { checkSchema } from '../src/db/schema-check.ts';
import { withDatabase } from '../src/cli.ts';

await withDatabase(async (db) => {
  const applied = await migrate(db.sql);
  process.stdout.write(applied.length === 0 ? 'The database is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
  const problems = await checkSchema(db.sql);
  if (problems.length > 0) throw new Error(`Column check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
});
