import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import { EMPTY_SUMMARY, summaryColumns, summaryConditions, type FeedbackSummary } from '../db/feedback-entries.ts';

/**
 * The summary of each step's current entries of criterion `name` (every criterion when null), in one grouped
 * statement. A page of steps that selects one summary has it joined to the page instead (db/step-queries.ts).
 */
export function feedbackSummaryByStepId(db: Database, organizationId: string, name: string | null) {
  return new DataLoader<string, FeedbackSummary>(async (stepIds) => {
    const rows = await db.read<FeedbackSummary & { stepId: string }>(Prisma.sql`
      SELECT e.step_id AS "stepId", ${summaryColumns()}
        FROM gateway_feedback_entries e
       WHERE e.step_id = ANY(${[...stepIds]}::text[]) AND ${summaryConditions(organizationId, name)}
       GROUP BY e.step_id`);
    const byStep = new Map(rows.map(({ stepId, ...summary }) => [stepId, summary]));
    return stepIds.map((id) => byStep.get(id) ?? EMPTY_SUMMARY);
  });
}
