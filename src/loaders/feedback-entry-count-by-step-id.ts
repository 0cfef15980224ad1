import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import { entryConditions, type EntryFilter } from '../db/feedback-entries.ts';
import { feedbackVisibleTo } from '../db/tenancy.ts';

/** How many feedback entries each step has that meet a filter, in one grouped statement. */
export function feedbackEntryCountByStepId(db: Database, organizationId: string, filter: EntryFilter) {
  return new DataLoader<string, number>(async (stepIds) => {
    const rows = await db.read<{ stepId: string; count: number }>(Prisma.sql`
      SELECT e.step_id AS "stepId", count(*)::int AS count FROM gateway_feedback_entries e
       WHERE e.step_id = ANY(${[...stepIds]}::text[]) AND ${Prisma.join([feedbackVisibleTo('e', organizationId, 'narrowed'), ...entryConditions(filter)], ' AND ')}
       GROUP BY e.step_id`);
    const counts = new Map(rows.map((row) => [row.stepId, row.count]));
    return stepIds.map((id) => counts.get(id) ?? 0);
  });
}
