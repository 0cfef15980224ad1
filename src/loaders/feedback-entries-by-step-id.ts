import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import { selectList } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { entryConditions, type EntryFilter, type FeedbackEntryRow } from '../db/feedback-entries.ts';
import { boundsOf, isoTimeSql, keysetRows, orderSql, type PageRequest } from '../db/keyset.ts';
import { feedbackVisibleTo } from '../db/tenancy.ts';

export type FeedbackEntryPageRow = FeedbackEntryRow & { cursorAt: string | null };

/**
 * One page of feedback entries, newest first (created at, then id), for each of many steps, in one statement:
 * for each step id, a LATERAL subquery reads at most `limit + 1` rows along the (step_id, created_at, id) index.
 */
export function feedbackEntriesByStepId(db: Database, organizationId: string, page: PageRequest, filter: EntryFilter) {
  const readDescending = !page.backward;
  const bounds = boundsOf(page, true);
  const limit = page.limit + 1;
  const where = Prisma.join([Prisma.sql`e.step_id = k.step_id`, feedbackVisibleTo('e', organizationId, 'narrowed'), ...entryConditions(filter)], ' AND ');
  const order = orderSql('e', readDescending);

  return new DataLoader<string, FeedbackEntryPageRow[]>(async (stepIds) => {
    const rows = await db.read<FeedbackEntryPageRow & { forStep: string }>(Prisma.sql`
      SELECT ${selectList('GatewayFeedbackEntry', 'e')}, ${Prisma.raw(isoTimeSql('e.created_at'))} AS "cursorAt", k.step_id AS "forStep"
        FROM unnest(${[...stepIds]}::text[]) WITH ORDINALITY AS k(step_id, ord)
        CROSS JOIN LATERAL (
          SELECT * FROM (${keysetRows({ table: 'gateway_feedback_entries', alias: 'e', where, bounds, descending: readDescending, limit })}) AS e
           ORDER BY ${order}
           LIMIT ${limit}
        ) e
       ORDER BY k.ord, ${order}`);
    const byStep = new Map<string, FeedbackEntryPageRow[]>(stepIds.map((id) => [id, []]));
    for (const { forStep, ...row } of rows) byStep.get(forStep)?.push(row);
    return stepIds.map((id) => byStep.get(id) ?? []);
  });
}
