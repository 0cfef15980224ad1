import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import type { Config } from '../config.ts';
import { openPglite, openPostgres, type Database } from './database.ts';

/** Opens the configured database: Postgres when DATABASE_URL is set, otherwise PGlite under DATA_DIR. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pool'>): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    return openPostgres({
      url: config.databaseUrl,
      poolMax: config.pool.max,
      connectionTimeoutMs: config.pool.connectionTimeoutMs,
      statementTimeoutMs: config.pool.statementTimeoutMs,
    });
  }
  await mkdir(config.dataDir, { recursive: true });
  return openPglite(path.join(config.dataDir, 'pglite'));
}
