import { Prisma, type Step } from '../../prisma/generated/client/client.ts';
import type { StepFeedback } from '../letta/enums.ts';
import { selectList, type Stored } from './columns.ts';
import type { Database } from './database.ts';
import { visibleTo } from './tenancy.ts';

export interface FeedbackChange {
  /** undefined leaves feedback as it is; null clears it. */
  feedback: StepFeedback | null | undefined;
  addTags: string[];
  removeTags: string[];
}

/**
 * Applies feedback in one atomic UPDATE. The new tags are computed from the row's current tags inside the
 * statement, so concurrent writers never lose each other's tags: under READ COMMITTED, Postgres re-evaluates
 * the SET expressions against the newest row version when it waits on a concurrent update. Tags keep their
 * order, new ones are appended, duplicates are dropped. `updated_at` moves only when something changed.
 *
 * Returns the updated step, or null when no step matched (unknown, another organization's, deleted) or the
 * call would grow the step past `maxTags`.
 */
export async function applyFeedback(
  db: Database,
  organizationId: string,
  stepId: string,
  change: FeedbackChange,
  maxTags: number,
): Promise<Stored<Step> | null> {
  const setFeedback = change.feedback !== undefined;
  const feedback = change.feedback ?? null;
  // Tags are handled as jsonb values, so whatever a row holds (even a non-string element written by hand)
  // is kept as it is; only the tags named in the call are added or removed.
  const currentTags = Prisma.sql`(CASE WHEN json_typeof(s.tags) = 'array' THEN s.tags::jsonb ELSE '[]'::jsonb END)`;
  const newTags = Prisma.sql`(
    SELECT COALESCE(jsonb_agg(tag ORDER BY position), '[]'::jsonb)
      FROM (
        SELECT tag, min(position) AS position
          FROM (
            SELECT value AS tag, ordinality AS position FROM jsonb_array_elements(${currentTags}) WITH ORDINALITY
            UNION ALL
            SELECT to_jsonb(tag), 1000000 + position FROM unnest(${change.addTags}::text[]) WITH ORDINALITY AS added(tag, position)
          ) AS merged
         WHERE tag NOT IN (SELECT to_jsonb(removed) FROM unnest(${change.removeTags}::text[]) AS removed)
         GROUP BY tag
      ) AS deduplicated
  )`;
  const feedbackChanged = setFeedback ? Prisma.sql`(${feedback}::text IS DISTINCT FROM s.feedback)` : Prisma.sql`false`;

  const [row] = await db.write<Stored<Step>>(Prisma.sql`
    UPDATE steps AS s
       SET feedback = CASE WHEN ${setFeedback} THEN ${feedback}::text ELSE s.feedback END,
           tags = ${newTags}::json,
           updated_at = CASE
             WHEN ${feedbackChanged} OR ${newTags} IS DISTINCT FROM ${currentTags} THEN now()
             ELSE s.updated_at
           END
     WHERE s.id = ${stepId}
       AND ${visibleTo('s', organizationId)}
       -- The cap stops growth; a step that already carries more (written elsewhere) can still shrink or change.
       AND (jsonb_array_length(${newTags}) <= ${maxTags} OR jsonb_array_length(${newTags}) <= jsonb_array_length(${currentTags}))
    RETURNING ${selectList('Step', 's')}`);
  return row ?? null;
}
