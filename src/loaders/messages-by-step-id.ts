import DataLoader from 'dataloader';

import { Prisma, type Message } from '../../prisma/generated/client/client.ts';
import { plainColumns, selectList, type Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { boundsOf, isoTimeSql, keysetRows, orderSql, type PageRequest } from '../db/keyset.ts';
import { visibleTo } from '../db/tenancy.ts';

export type MessageRow = Stored<Message> & { cursorAt: string | null };

/**
 * One page of messages for each of many steps, in one statement: for each step id, a LATERAL subquery
 * reads at most `limit + 1` rows along the (step_id, created_at, id) index. Messages are in Letta's order,
 * oldest first (created_at, then id). Only `fields` are read (every field by default).
 */
export function messagesByStepId(db: Database, organizationId: string, page: PageRequest, fields?: readonly string[]) {
  const bounds = boundsOf(page, false);
  const limit = page.limit + 1;
  const where = Prisma.sql`m.step_id = k.step_id AND ${visibleTo('m', organizationId)}`;
  const order = orderSql('m', page.backward);

  return new DataLoader<string, MessageRow[]>(async (stepIds) => {
    const rows = await db.read<MessageRow & { forStep: string }>(Prisma.sql`
      SELECT ${selectList('Message', 'm', fields)}, ${Prisma.raw(isoTimeSql('m.created_at'))} AS "cursorAt", k.step_id AS "forStep"
        FROM unnest(${[...stepIds]}::text[]) WITH ORDINALITY AS k(step_id, ord)
        CROSS JOIN LATERAL (
          SELECT * FROM (${keysetRows({ table: 'messages', alias: 'm', columns: plainColumns('m', fields), where, bounds, descending: page.backward, limit })}) AS m
           ORDER BY ${order}
           LIMIT ${limit}
        ) m
       ORDER BY k.ord, ${order}`);
    const byStep = new Map<string, MessageRow[]>(stepIds.map((id) => [id, []]));
    for (const { forStep, ...row } of rows) byStep.get(forStep)?.push(row);
    return stepIds.map((id) => byStep.get(id) ?? []);
  });
}
