import { randomBytes } from 'node:crypto';

import pg from 'pg';

import type { Database } from '../../src/db/database.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { migrate } from '../../src/db/migrate.ts';

/** Postgres when DATABASE_URL is set, PGlite otherwise: the same suite runs on both. */
export const onPostgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

export interface TestDatabase {
  db: Database;
  /** Connection string of the fresh database (Postgres only). */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A brand-new, empty database: a fresh PGlite in memory, or a new database on the Postgres server. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  if (!onPostgres) {
    const db = await openPglite(undefined);
    return { db, url: undefined, drop: () => db.close().catch(() => {}) };
  }
  const adminUrl = process.env.DATABASE_URL!;
  const name = `steps_gateway_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openPostgres({ url: url.toString(), poolMax: 60, connectionTimeoutMs: 5000, statementTimeoutMs: 30_000 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close().catch(() => {});
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** A fresh database with the committed migrations applied, as every gateway database is built. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const test = await createEmptyDatabase();
  await migrate(test.db.sql);
  return test;
}
