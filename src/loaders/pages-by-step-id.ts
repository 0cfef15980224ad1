import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import { plainColumns, selectList, type ModelName } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { boundsOf, isoTimeSql, keysetRows, orderSql, type PageRequest } from '../db/keyset.ts';

export interface StepPagesRead {
  model: ModelName;
  table: string;
  /** The alias `where` names the rows by. */
  alias: string;
  /** The conditions on a step's rows besides the step itself (`<alias>.step_id`), which this adds. */
  where: Prisma.Sql;
  page: PageRequest;
  /** The list's own order: newest first, or oldest first. */
  descending: boolean;
  /** The fields to read (every field by default). */
  fields?: readonly string[] | undefined;
}

/**
 * One page of rows for each of many steps, in one statement: for each step id, a LATERAL subquery reads at
 * most `limit + 1` rows along a (step_id, created_at, id) index, in the list's order (keyset.ts).
 */
export function pagesByStepId<Row>(db: Database, { model, table, alias, where, page, descending, fields }: StepPagesRead) {
  const readDescending = descending !== page.backward;
  const bounds = boundsOf(page, descending);
  const limit = page.limit + 1;
  const a = Prisma.raw(alias);
  const conditions = Prisma.sql`${a}.step_id = k.step_id AND ${where}`;
  const order = orderSql(alias, readDescending);
  const columns = fields === undefined ? undefined : plainColumns(alias, fields);

  return new DataLoader<string, (Row & { cursorAt: string | null })[]>(async (stepIds) => {
    const rows = await db.read<Row & { cursorAt: string | null; forStep: string }>(Prisma.sql`
      SELECT ${selectList(model, alias, fields)}, ${Prisma.raw(isoTimeSql(`${alias}.created_at`))} AS "cursorAt", k.step_id AS "forStep"
        FROM unnest(${[...stepIds]}::text[]) WITH ORDINALITY AS k(step_id, ord)
        CROSS JOIN LATERAL (
          SELECT * FROM (${keysetRows({ table, alias, ...(columns !== undefined ? { columns } : {}), where: conditions, bounds, descending: readDescending, limit })}) AS ${a}
           ORDER BY ${order}
           LIMIT ${limit}
        ) ${a}
       ORDER BY k.ord, ${order}`);
    const byStep = new Map<string, (Row & { cursorAt: string | null })[]>(stepIds.map((id) => [id, []]));
    for (const { forStep, ...row } of rows) byStep.get(forStep)?.push(row as unknown as Row & { cursorAt: string | null });
    return stepIds.map((id) => byStep.get(id) ?? []);
  });
}
