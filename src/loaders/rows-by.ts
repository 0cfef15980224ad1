import { Prisma } from '../../prisma/generated/client/client.ts';
import { selectList, tableNames, type ModelName } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { RowsByKey } from './rows.ts';

/** Rows by a key, the first row of each key winning (rows come in the caller's preferred order). */
function byKey<Row>(rows: Row[], keyOf: (row: Row) => string | null): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null && !map.has(key)) map.set(key, row);
  }
  return map;
}

/**
 * Rows of a model by a key column, with the fields asked for (and the key's), in one statement for all the
 * keys of a tick: `t` is the row, `scope` the conditions that keep it to the organization, `order` which row
 * wins where a key has several.
 */
export function rowsBy<Row>(db: Database, model: ModelName, key: 'id' | 'stepId', scope: (ids: string[]) => Prisma.Sql, order: Prisma.Sql = Prisma.empty) {
  return new RowsByKey<Row>(async (ids, fields) => {
    const columns = fields === undefined ? undefined : [...new Set([...fields, key])];
    const rows = await db.read<Row>(Prisma.sql`SELECT ${selectList(model, 't', columns)} FROM ${Prisma.raw(tableNames[model])} t WHERE ${scope(ids)} ${order}`);
    return byKey(rows, (row) => (row as Record<string, string | null>)[key] ?? null);
  });
}
