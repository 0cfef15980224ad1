import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Prisma } from '../prisma/generated/client/client.ts';
import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { PREPARED_PER_CONNECTION } from '../src/db/prepared.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';

let database: TestDatabase;
const opened: Database[] = [];

beforeAll(async () => {
  if (onPostgres) database = await createTestDatabase();
});
afterAll(async () => {
  if (!onPostgres) return;
  for (const db of opened) await db.close();
  await database.drop();
});

/** A database of one connection, so that every read sees the prepared statements of the one before. */
function oneConnection(preparedStatements?: boolean): Database {
  const db = openPostgres({ url: database.url!, poolMax: 1, connectionTimeoutMs: 5000, statementTimeoutMs: 10_000, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
  opened.push(db);
  return db;
}

const preparedOn = async (db: Database) =>
  (await db.read<{ statement: string }>(Prisma.sql`SELECT statement FROM pg_prepared_statements WHERE NOT from_sql`)).map((row) => row.statement);

describe.runIf(onPostgres)(`prepared reads ${NEEDS_POSTGRES}`, () => {
  it('plans a read once per connection: the same text runs as the same prepared statement', async () => {
    const db = oneConnection();
    for (const n of [1, 2, 3]) expect(await db.read(Prisma.sql`SELECT ${n}::int AS n`)).toEqual([{ n }]);
    const statements = await preparedOn(db);
    expect(statements.filter((text) => text === 'SELECT $1::int AS n')).toHaveLength(1);
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} statements on a connection, dropping the least recently used`, async () => {
    const db = oneConnection();
    await db.read(Prisma.sql`SELECT 'kept' AS t`);
    for (let i = 0; i < PREPARED_PER_CONNECTION + 50; i++) {
      expect(await db.read<{ n: number }>(Prisma.sql`SELECT ${Prisma.raw(String(i))}::int AS n`)).toEqual([{ n: i }]);
      // Used again and again, so it is never the least recently used.
      if (i % 10 === 0) await db.read(Prisma.sql`SELECT 'kept' AS t`);
    }
    const statements = await preparedOn(db);
    expect(statements.length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    expect(statements).toContain(`SELECT 'kept' AS t`);
    expect(statements).not.toContain('SELECT 0::int AS n');
    expect(statements).toContain(`SELECT ${PREPARED_PER_CONNECTION + 49}::int AS n`);
  });

  it('reads through a change of the table under a prepared statement (a column added)', async () => {
    const db = oneConnection();
    await db.sql.exec(`CREATE TABLE probe (id int PRIMARY KEY); INSERT INTO probe VALUES (1)`);
    expect(await db.read(Prisma.sql`SELECT * FROM probe`)).toEqual([{ id: 1 }]);
    await db.sql.exec(`ALTER TABLE probe ADD COLUMN label text DEFAULT 'new'`);
    expect(await db.read(Prisma.sql`SELECT * FROM probe`)).toEqual([{ id: 1, label: 'new' }]);
  });

  it('prepares nothing when DB_PREPARED_STATEMENTS is false', async () => {
    const db = oneConnection(false);
    await db.read(Prisma.sql`SELECT 1 AS one`);
    expect(await preparedOn(db)).toEqual([]);
  });
});
