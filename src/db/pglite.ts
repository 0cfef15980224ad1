import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

import type { Prisma } from '../../prisma/generated/client/client.ts';
import { createDatabase, INT8, type Database, type SqlRunner } from './database.ts';

/** Opens embedded Postgres (PGlite), in memory when `dataDir` is undefined. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const pglite = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;

  const runner = (client: Pick<PGlite, 'exec' | 'query'>): Omit<SqlRunner, 'transaction'> => ({
    async exec(script) {
      await client.exec(script);
    },
    async query<Row>(text: string, params: unknown[] = []) {
      const result = await client.query<Row>(text, params);
      return result.rows;
    },
  });

  const sql: SqlRunner = {
    ...runner(pglite),
    transaction: (work) => pglite.transaction((tx) => work(runner(tx))),
  };

  // PGlite reads bigint as a number, which cannot hold nanosecond timestamps exactly.
  const parsers = { [INT8]: (value: string) => BigInt(value) };
  const read = async <Row>(statement: Prisma.Sql) => (await pglite.query<Row>(statement.text, statement.values, { parsers })).rows;
  // One connection, in process, always open.
  const poolStats = () => ({ total: 1, idle: 1, waiting: 0, max: 1 });
  return createDatabase({
    kind: 'pglite',
    adapter: new PrismaPGlite(pglite),
    sql,
    runRows: read,
    poolStats,
    close: () => pglite.close(),
    cancelRequest: async () => {},
    // The one session there is: what it holds is the process's.
    session: async () => ({ sql, close: async () => {} }),
  });
}
