import { Prisma, type GatewayFeedbackEntry, type GatewayFeedbackVersion } from '../../prisma/generated/client/client.ts';
import { selectList, type Stored } from './columns.ts';
import type { Database } from './database.ts';
import { feedbackVisibleTo, visibleTo } from './tenancy.ts';

/**
 * Scored feedback entries: several named criteria per step, from many submitters, each submitter holding one
 * current entry per step and criterion, with every version it replaced kept. The gateway's own tables
 * (`gateway_feedback_entries`, `gateway_feedback_versions`); Letta's `steps` is only read.
 */

export type FeedbackEntryRow = Stored<GatewayFeedbackEntry>;
export type FeedbackVersionRow = Stored<GatewayFeedbackVersion>;

/** The criterion of an entry that names none. */
export const DEFAULT_CRITERION = 'overall';

export const FEEDBACK_SOURCES = ['API', 'APP', 'EVALUATOR'] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];
export const SUBMITTER_TYPES = ['API_KEY', 'USER', 'SYSTEM'] as const;
export type SubmitterType = (typeof SUBMITTER_TYPES)[number];

/** Who submits: the key itself (its id), an end user (their external id) or the system (the id of the key whose token named no user). */
export interface Submitter {
  type: SubmitterType;
  id: string;
  name: string | null;
  email: string | null;
}

export interface Submission {
  organizationId: string;
  stepId: string;
  name: string;
  score: number | null;
  comment: string | null;
  attributes: Record<string, string>;
  source: FeedbackSource;
  submitter: Submitter;
  /** The key that writes it, itself or through one of its feedback tokens. */
  apiKeyId: string;
}

/** CREATED: a first entry; UPDATED: it replaced the current one, which went to the history; UNCHANGED: it was there already. */
export type SubmitOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

/** How often a submission that lost a race to create the same entry is sent again (it then updates that entry). */
const CREATE_RACE_RETRIES = 3;

/** The statement of one submission (see submitFeedbackEntry). */
function submissionSql(entryId: string, s: Submission): Prisma.Sql {
  const { organizationId, stepId, name, submitter } = s;
  const attributes = JSON.stringify(s.attributes);
  const values = Prisma.sql`(${s.score}::float8, ${s.comment}::text, ${attributes}::jsonb, ${s.source}::text, ${submitter.name}::text, ${submitter.email}::text)`;
  return Prisma.sql`
    WITH target AS (
      SELECT s.id FROM steps s WHERE s.id = ${stepId} AND ${visibleTo('s', organizationId)}
    ),
    current AS (
      SELECT e.* FROM gateway_feedback_entries e
       WHERE e.organization_id = ${organizationId} AND e.step_id = ${stepId} AND e.name = ${name}
         AND e.submitter_type = ${submitter.type} AND e.submitter_id = ${submitter.id} AND e.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM target)
         FOR UPDATE
    ),
    replaced AS (
      SELECT c.* FROM current c
       WHERE (c.score, c.comment, c.attributes, c.source, c.submitter_name, c.submitter_email) IS DISTINCT FROM ${values}
    ),
    archived AS (
      INSERT INTO gateway_feedback_versions
             (entry_id, version, organization_id, score, comment, attributes, source, submitter_name, submitter_email, api_key_id, recorded_at, replaced_at)
      SELECT id, version, organization_id, score, comment, attributes, source, submitter_name, submitter_email, api_key_id, updated_at, now()
        FROM replaced
    ),
    updated AS (
      UPDATE gateway_feedback_entries e
         SET (score, comment, attributes, source, submitter_name, submitter_email) = ${values},
             api_key_id = ${s.apiKeyId}, version = e.version + 1, updated_at = now()
        FROM replaced r
       WHERE e.id = r.id
      RETURNING e.*
    ),
    inserted AS (
      INSERT INTO gateway_feedback_entries
             (id, organization_id, step_id, name, score, comment, attributes, source, submitter_type, submitter_id, submitter_name, submitter_email, api_key_id)
      SELECT ${entryId}, ${organizationId}, t.id, ${name}, ${s.score}::float8, ${s.comment}::text, ${attributes}::jsonb, ${s.source},
             ${submitter.type}, ${submitter.id}, ${submitter.name}::text, ${submitter.email}::text, ${s.apiKeyId}
        FROM target t
       WHERE NOT EXISTS (SELECT 1 FROM current)
      ON CONFLICT (organization_id, step_id, name, submitter_type, submitter_id) WHERE deleted_at IS NULL DO NOTHING
      RETURNING *
    ),
    result AS (
      SELECT 'CREATED' AS outcome, i.* FROM inserted i
      UNION ALL SELECT 'UPDATED', u.* FROM updated u
      UNION ALL SELECT 'UNCHANGED', c.* FROM current c WHERE NOT EXISTS (SELECT 1 FROM replaced)
    )
    SELECT EXISTS (SELECT 1 FROM target) AS "stepFound", r.outcome, ${selectList('GatewayFeedbackEntry', 'r')}
      FROM (SELECT 1) AS one LEFT JOIN result r ON true`;
}

/**
 * Submits an entry in one statement: creates the submitter's entry for the step and criterion, or replaces it
 * (the version replaced goes to the history, its number one less than the new one's), or, when it holds exactly
 * this already, leaves it untouched (no version, `updated_at` as it was).
 *
 * Concurrent submissions are safe under READ COMMITTED: the current entry is locked (FOR UPDATE), so updates
 * of one entry queue and each archives the version the previous one left; two that would both create it meet
 * at the unique index, and the loser, having written nothing, is sent again and updates the winner's entry.
 *
 * Returns null when the step is not visible to the organization (unknown, another's, deleted).
 */
export async function submitFeedbackEntry(db: Database, submission: Submission, newId: () => string): Promise<{ outcome: SubmitOutcome; entry: FeedbackEntryRow } | null> {
  for (let attempt = 0; ; attempt++) {
    const [row] = await db.write<FeedbackEntryRow & { stepFound: boolean; outcome: SubmitOutcome | null }>(submissionSql(newId(), submission));
    if (row === undefined || !row.stepFound) return null;
    const { stepFound: _found, outcome, ...entry } = row;
    if (outcome !== null) return { outcome, entry };
    if (attempt >= CREATE_RACE_RETRIES) throw new Error('A feedback submission kept losing the race to create its entry.');
  }
}

export type DeleteOutcome = 'DELETED' | 'FOUND';

/**
 * Marks an entry deleted, in one statement, when `mayDelete` holds for it: the key that wrote it, or any key
 * when `anyKey`. Returns the entry as it is now and whether this call deleted it (FOUND: it was not deleted,
 * because it already was or the key may not); null when no entry of that id is visible to the organization.
 */
export async function deleteFeedbackEntry(
  db: Database,
  organizationId: string,
  entryId: string,
  by: { apiKeyId: string; anyKey: boolean },
): Promise<{ outcome: DeleteOutcome; entry: FeedbackEntryRow } | null> {
  const [row] = await db.write<FeedbackEntryRow & { outcome: DeleteOutcome }>(Prisma.sql`
    WITH target AS (
      SELECT e.* FROM gateway_feedback_entries e WHERE e.id = ${entryId} AND ${feedbackVisibleTo('e', organizationId)} FOR UPDATE
    ),
    deleted AS (
      UPDATE gateway_feedback_entries e SET deleted_at = now()
        FROM target t
       WHERE e.id = t.id AND t.deleted_at IS NULL AND (t.api_key_id = ${by.apiKeyId} OR ${by.anyKey})
      RETURNING e.*
    ),
    result AS (
      SELECT 'DELETED' AS outcome, d.* FROM deleted d
      UNION ALL SELECT 'FOUND', t.* FROM target t WHERE NOT EXISTS (SELECT 1 FROM deleted)
    )
    SELECT r.outcome, ${selectList('GatewayFeedbackEntry', 'r')} FROM result r`);
  if (row === undefined) return null;
  const { outcome, ...entry } = row;
  return { outcome, entry };
}

/** Conditions on the entries of a step's list (Step.feedbackEntries), on the table aliased `e`. */
export interface EntryFilter {
  name?: string | null;
  source?: FeedbackSource | null;
  submitterType?: SubmitterType | null;
  submittedBy?: string | null;
  includeDeleted?: boolean | null;
}

export function entryConditions(filter: EntryFilter): Prisma.Sql[] {
  return [
    ...(filter.includeDeleted === true ? [] : [Prisma.sql`e.deleted_at IS NULL`]),
    ...(filter.name != null ? [Prisma.sql`e.name = ${filter.name}`] : []),
    ...(filter.source != null ? [Prisma.sql`e.source = ${filter.source}`] : []),
    ...(filter.submitterType != null ? [Prisma.sql`e.submitter_type = ${filter.submitterType}`] : []),
    ...(filter.submittedBy != null ? [Prisma.sql`e.submitter_id = ${filter.submittedBy}`] : []),
  ];
}

/** The step list's conditions on feedback entries: one current entry must meet all that are given. */
export interface StepEntryFilter {
  feedbackName?: string | null;
  minScore?: number | null;
  maxScore?: number | null;
  hasComment?: boolean | null;
  submittedBy?: string | null;
}

/** The conditions on one current entry (aliased `e`) of the step list's feedback filters, or null when none is given. */
export function stepEntryConditions(organizationId: string, filter: StepEntryFilter): Prisma.Sql | null {
  const conditions = [
    ...(filter.feedbackName != null ? [Prisma.sql`e.name = ${filter.feedbackName}`] : []),
    ...(filter.minScore != null ? [Prisma.sql`e.score >= ${filter.minScore}::float8`] : []),
    ...(filter.maxScore != null ? [Prisma.sql`e.score <= ${filter.maxScore}::float8`] : []),
    ...(filter.hasComment != null ? [filter.hasComment ? Prisma.sql`e.comment IS NOT NULL` : Prisma.sql`e.comment IS NULL`] : []),
    ...(filter.submittedBy != null ? [Prisma.sql`e.submitter_id = ${filter.submittedBy}`] : []),
  ];
  if (conditions.length === 0) return null;
  return Prisma.join([feedbackVisibleTo('e', organizationId, 'narrowed'), Prisma.sql`e.deleted_at IS NULL`, ...conditions], ' AND ');
}

/**
 * `EXISTS` an entry of the step (aliased `s`) that meets every condition given, or null when none is: a
 * semi-join that Postgres serves by probing each step's entries along the unique index, or from the entries'
 * indexes (by criterion and score, by submitter, with a comment) where few match.
 */
export function stepEntryCondition(organizationId: string, filter: StepEntryFilter): Prisma.Sql | null {
  const conditions = stepEntryConditions(organizationId, filter);
  return conditions === null ? null : Prisma.sql`EXISTS (SELECT 1 FROM gateway_feedback_entries e WHERE e.step_id = s.id AND ${conditions})`;
}

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

export const EMPTY_SUMMARY: FeedbackSummary = { count: 0, scoredCount: 0, meanScore: null, minScore: null, maxScore: null, positiveCount: 0, negativeCount: 0, withCommentCount: 0 };

/** The aggregates of a FeedbackSummary over entries aliased `e`, its columns named `<prefix><field>`. */
export function summaryColumns(prefix = ''): Prisma.Sql {
  const name = (field: keyof FeedbackSummary) => `"${prefix}${field}"`;
  return Prisma.raw(
    [
      `count(*)::int AS ${name('count')}`,
      `count(e.score)::int AS ${name('scoredCount')}`,
      `avg(e.score) AS ${name('meanScore')}`,
      `min(e.score) AS ${name('minScore')}`,
      `max(e.score) AS ${name('maxScore')}`,
      `(count(*) FILTER (WHERE e.score > 0))::int AS ${name('positiveCount')}`,
      `(count(*) FILTER (WHERE e.score < 0))::int AS ${name('negativeCount')}`,
      `(count(*) FILTER (WHERE e.comment IS NOT NULL))::int AS ${name('withCommentCount')}`,
    ].join(', '),
  );
}

/** The current entries a summary covers: of the step (`stepId` a column or a value), of criterion `name`, or of all of them when null. */
export function summaryConditions(organizationId: string | Prisma.Sql, name: string | null): Prisma.Sql {
  return Prisma.sql`${feedbackVisibleTo('e', organizationId, 'narrowed')} AND e.deleted_at IS NULL ${name !== null ? Prisma.sql`AND e.name = ${name}` : Prisma.empty}`;
}
