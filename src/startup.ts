import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { migrate, pendingMigrations } from './db/migrate.ts';
import { checkSchema } from './db/schema-check.ts';
import type { Logger } from './logger.ts';

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Brings the database to the committed migrations (unless told not to) and checks every mapped column. */
export async function prepareDatabase(db: Database, config: Pick<Config, 'migrateOnStart'>, logger: Logger): Promise<void> {
  if (config.migrateOnStart) {
    let applied: string[];
    try {
      applied = await migrate(db.sql);
    } catch (error) {
      // A migration that fails on existing tables (an index on a column that is missing, say) fails because
      // of the columns: name them, as the check below would.
      const problems = await checkSchema(db.sql).catch(() => []);
      if (problems.length > 0) throw mismatch(problems);
      throw error;
    }
    logger.info('migrations applied', { applied, database: db.kind });
  } else {
    const pending = await pendingMigrations(db.sql);
    if (pending.length > 0) {
      throw new StartupError(`The database is missing migrations (${pending.join(', ')}). Run "npm run db:migrate" first.`);
    }
  }
  const problems = await checkSchema(db.sql);
  if (problems.length > 0) throw mismatch(problems);
}

const mismatch = (problems: string[]) =>
  new StartupError(`The database's columns do not match what the gateway reads:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
