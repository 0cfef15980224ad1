import { UnknownOrganizationError } from './auth/api-keys.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { pendingMigrations, readMigrations } from './db/migrate.ts';
import { DataDirInUseError, openDatabase } from './db/open.ts';
import { redact } from './logger.ts';
import { startupFailure } from './startup.ts';

/** A failure a command explains itself (bad usage, a missing row): its message is all the user needs. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Parses `--name value` pairs; a bare `--flag` is "true". */
export function parseFlags(argv: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags[name] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[name] = argv[++i]!;
      else flags[name] = 'true';
    } else {
      positional.push(arg);
    }
  }
  return { flags, positional };
}

/**
 * Runs a command-line tool against the configured database (same environment as the gateway). With
 * `migrated`, a database the migrations have not been applied to is refused with what to run. Every failure
 * is one line on stderr and exit code 1.
 */
export async function withDatabase(work: (db: Database) => Promise<void>, options: { migrated?: boolean } = {}): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openDatabase(loadConfig(process.env));
    await db.ping();
    if (options.migrated) {
      const pending = await pendingMigrations(db.sql);
      const all = await readMigrations();
      if (pending.length > 0) {
        throw new CliError(
          `${pending.length === all.length ? 'The database is not set up for the gateway' : `The database is missing migrations (${pending.join(', ')})`}: ` +
            'run "npm run db:migrate" first (starting the gateway also applies them).',
        );
      }
    }
    await work(db);
  } catch (error) {
    const known = error instanceof CliError || error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof UnknownOrganizationError;
    process.stderr.write(`${redact(known ? error.message : startupFailure(error, process.env.DATABASE_URL))}\n`);
    process.exitCode = 1;
  } finally {
    await db?.close().catch(() => {});
  }
}
