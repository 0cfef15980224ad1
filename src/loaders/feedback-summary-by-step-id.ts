import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import { feedbackVisibleTo } from '../db/tenancy.ts';

/** What a step's current entries (of one criterion, or all) come to. Scores are means, minima and maxima of the scored entries. */
export interface FeedbackSummary {
  count: number;
  scoredCount: number;
  meanScore: number | null;
  minScore: number | null;
  maxScore: number | null;
  positiveCount: number;
  negativeCount: number;
  withCommentCount: number;
}

const EMPTY: FeedbackSummary = { count: 0, scoredCount: 0, meanScore: null, minScore: null, maxScore: null, positiveCount: 0, negativeCount: 0, withCommentCount: 0 };

/** The summary of each step's current entries of criterion `name` (every criterion when null), in one grouped statement. */
export function feedbackSummaryByStepId(db: Database, organizationId: string, name: string | null) {
  return new DataLoader<string, FeedbackSummary>(async (stepIds) => {
    const rows = await db.read<FeedbackSummary & { stepId: string }>(Prisma.sql`
      SELECT e.step_id AS "stepId", count(*)::int AS count, count(e.score)::int AS "scoredCount",
             avg(e.score) AS "meanScore", min(e.score) AS "minScore", max(e.score) AS "maxScore",
             (count(*) FILTER (WHERE e.score > 0))::int AS "positiveCount",
             (count(*) FILTER (WHERE e.score < 0))::int AS "negativeCount",
             (count(*) FILTER (WHERE e.comment IS NOT NULL))::int AS "withCommentCount"
        FROM gateway_feedback_entries e
       WHERE e.step_id = ANY(${[...stepIds]}::text[]) AND ${feedbackVisibleTo('e', organizationId, 'narrowed')} AND e.deleted_at IS NULL
         ${name !== null ? Prisma.sql`AND e.name = ${name}` : Prisma.empty}
       GROUP BY e.step_id`);
    const byStep = new Map(rows.map(({ stepId, ...summary }) => [stepId, summary]));
    return stepIds.map((id) => byStep.get(id) ?? EMPTY);
  });
}
