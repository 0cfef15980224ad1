import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { migrate, pendingMigrations } from './db/migrate.ts';
import { checkSchema } from './db/schema-check.ts';
import { classifyDatabaseError } from './db/failures.ts';
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

/** Where a connection string points, without its user or password. */
function whereTo(databaseUrl: string | undefined): string {
  if (databaseUrl === undefined || databaseUrl.trim() === '') return 'the embedded database';
  try {
    const url = new URL(databaseUrl);
    return `the database at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the database';
  }
}

/**
 * One line that says why the gateway could not start and what to do about it, for a failure that is not one
 * of its own (a database it cannot reach or that refuses it, say); never a stack, never a password.
 */
export function startupFailure(error: unknown, databaseUrl: string | undefined): string {
  const where = whereTo(databaseUrl);
  const chain: Record<string, unknown>[] = [];
  for (let cause: unknown = error; cause !== null && typeof cause === 'object' && chain.length < 8; cause = (cause as { cause?: unknown }).cause) {
    chain.push(cause as Record<string, unknown>);
  }
  const socket = chain.map((link) => link.code).find((code): code is string => typeof code === 'string' && /^E[A-Z]+$/.test(code));
  if (classifyDatabaseError(error) === 'unavailable') {
    return `Cannot reach ${where}${socket !== undefined ? ` (${socket})` : ''}: is Postgres running there, and is DATABASE_URL right?`;
  }
  // Postgres' own refusals (a wrong password, a database that does not exist) say what is wrong, safely.
  const refusal = chain.find((link) => typeof link.code === 'string' && /^[0-9A-Z]{5}$/.test(link.code) && typeof link.message === 'string');
  if (refusal !== undefined) return `${where[0]!.toUpperCase()}${where.slice(1)} refused the gateway: ${String(refusal.message)} (SQLSTATE ${String(refusal.code)}).`;
  const message = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
  return `Failed to start: ${message}`;
}
