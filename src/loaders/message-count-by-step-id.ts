import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';

/** How many (not deleted) messages each step has, in one grouped statement. */
export function messageCountByStepId(db: Database, organizationId: string) {
  return new DataLoader<string, number>(async (stepIds) => {
    const rows = await db.read<{ stepId: string; count: number }>(Prisma.sql`
      SELECT m.step_id AS "stepId", count(*)::int AS count FROM messages m
       WHERE m.step_id = ANY(${[...stepIds]}::text[]) AND ${visibleTo('m', organizationId)}
       GROUP BY m.step_id`);
    const counts = new Map(rows.map((row) => [row.stepId, row.count]));
    return stepIds.map((id) => counts.get(id) ?? 0);
  });
}
