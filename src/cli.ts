import { loadConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open.ts';
import { redact } from './logger.ts';

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

/** Runs a command-line tool against the configured database (same environment as the gateway). */
export async function withDatabase(work: (db: Database) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openDatabase(loadConfig(process.env));
    await work(db);
  } catch (error) {
    process.stderr.write(`${redact(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  } finally {
    await db?.close();
  }
}
