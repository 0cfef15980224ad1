import { Prisma, type Step } from '../../prisma/generated/client/client.ts';
import { plainColumns, selectList, type Stored } from './columns.ts';
import type { Database } from './database.ts';
import { boundsOf, isoTimeSql, keysetRows, orderSql, type PageRequest, type Position } from './keyset.ts';
import { stepEntryCondition, stepEntryConditions, summaryColumns, summaryConditions, type FeedbackSummary, type StepEntryFilter } from './feedback-entries.ts';
import { metricsVisibleTo, visibleTo } from './tenancy.ts';
import { NEWEST_TRACE_FIRST } from './traces.ts';

export interface StepFilterValues extends StepEntryFilter {
  agentId?: string | null;
  runId?: string | null;
  model?: string | null;
  modelHandle?: string | null;
  providerName?: string | null;
  projectId?: string | null;
  status?: string | null;
  stopReason?: string | null;
  feedback?: string | null;
  hasFeedback?: boolean | null;
  tags?: string[] | null;
  traceIds?: string[] | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

export type StepRow = Stored<Step> & { cursorAt: string | null };

/**
 * The WHERE clause of a step list: the organization, soft deletion, and every filter that was given. With
 * `entries: false` it leaves out the feedback entry conditions, for a read that starts from the entries that
 * meet them (the count, see stepCountSql).
 */
export function stepConditions(organizationId: string, filter: StepFilterValues, options: { entries: boolean } = { entries: true }): Prisma.Sql {
  const conditions: Prisma.Sql[] = [visibleTo('s', organizationId)];
  const equal = (column: string, value: string | null | undefined) => {
    if (value != null) conditions.push(Prisma.sql`${Prisma.raw(`s.${column}`)} = ${value}`);
  };
  equal('agent_id', filter.agentId);
  equal('run_id', filter.runId);
  equal('model', filter.model);
  equal('model_handle', filter.modelHandle);
  equal('provider_name', filter.providerName);
  equal('project_id', filter.projectId);
  equal('stop_reason', filter.stopReason);
  equal('feedback', filter.feedback);
  if (filter.status != null) conditions.push(Prisma.sql`s.status = ${filter.status}::stepstatus`);
  if (filter.hasFeedback != null) {
    conditions.push(filter.hasFeedback ? Prisma.sql`s.feedback IS NOT NULL` : Prisma.sql`s.feedback IS NULL`);
  }
  if (filter.tags != null && filter.tags.length > 0) {
    // tags is a `json` column (as Letta has it); containment needs jsonb.
    conditions.push(Prisma.sql`s.tags::jsonb @> ${JSON.stringify(filter.tags)}::jsonb`);
  }
  if (filter.traceIds != null) conditions.push(Prisma.sql`s.trace_id = ANY(${filter.traceIds}::text[])`);
  if (filter.createdAfter != null) conditions.push(Prisma.sql`s.created_at > ${filter.createdAfter}::timestamptz`);
  if (filter.createdBefore != null) conditions.push(Prisma.sql`s.created_at < ${filter.createdBefore}::timestamptz`);
  const entries = options.entries ? stepEntryCondition(organizationId, filter) : null;
  if (entries !== null) conditions.push(entries);
  return Prisma.join(conditions, ' AND ');
}

/**
 * What a page reads: the steps' fields, and, when the query selects them, each step's trace (the newest)
 * and metrics with the fields given, joined in the same statement. Undefined fields mean every field.
 */
export interface StepPageShape {
  fields?: readonly string[];
  trace?: readonly string[];
  metrics?: readonly string[];
  /** The summary of the steps' feedback entries of a criterion (null: of all of them), aggregated for each step of the page. */
  feedbackSummary?: { name: string | null };
}

/** The statement that reads one page of steps (see listSteps). */
export function stepPageSql(where: Prisma.Sql, page: PageRequest, descending: boolean, shape: StepPageShape = {}): Prisma.Sql {
  // Reading backward (last/before) walks the list from its far end.
  const readDescending = descending !== page.backward;
  const bounds = boundsOf(page, descending);
  const limit = page.limit + 1;
  const columns = [
    selectList('Step', 's', shape.fields),
    Prisma.raw(`${isoTimeSql('s.created_at')} AS "cursorAt"`),
    ...(shape.trace ? [selectList('ProviderTrace', 't', shape.trace, 'trace.')] : []),
    ...(shape.metrics ? [selectList('StepMetrics', 'sm', shape.metrics, 'metrics.')] : []),
    ...(shape.feedbackSummary ? [Prisma.raw('fsum.*')] : []),
  ];
  // The trace and metrics belong to the step's organization, which `where` has already narrowed to.
  const joins = [
    ...(shape.trace
      ? [Prisma.sql`LEFT JOIN LATERAL (
          SELECT * FROM provider_traces t
           WHERE t.step_id = s.id AND ${visibleTo('t', Prisma.raw('s.organization_id'))}
           ORDER BY ${NEWEST_TRACE_FIRST} LIMIT 1) AS t ON true`]
      : []),
    ...(shape.metrics ? [Prisma.sql`LEFT JOIN step_metrics sm ON sm.id = s.id AND ${metricsVisibleTo('sm', null)}`] : []),
    ...(shape.feedbackSummary
      ? [Prisma.sql`CROSS JOIN LATERAL (
          SELECT ${summaryColumns('feedbackSummary.')} FROM gateway_feedback_entries e
           WHERE e.step_id = s.id AND ${summaryConditions(Prisma.raw('s.organization_id'), shape.feedbackSummary.name)}) AS fsum`]
      : []),
  ];
  return Prisma.sql`
    SELECT ${Prisma.join(columns, ', ')}
      FROM (${keysetRows({ table: 'steps', alias: 's', columns: plainColumns('s', shape.fields, ['organization_id']), where, bounds, descending: readDescending, limit })}) AS s
      ${joins.length > 0 ? Prisma.join(joins, ' ') : Prisma.empty}
     ORDER BY ${orderSql('s', readDescending)}
     LIMIT ${limit}`;
}

/**
 * One page of steps in one statement, keyset-paginated over (created_at, id) in the requested direction
 * (newest first by default), reading `limit + 1` rows to learn whether another page exists (an empty page,
 * `first: 0`, still reads one).
 */
export async function listSteps(db: Database, where: Prisma.Sql, page: PageRequest, descending: boolean, shape: StepPageShape = {}): Promise<StepRow[]> {
  return db.read<StepRow>(stepPageSql(where, page, descending, shape));
}

/** Where a step of the organization sits in the step lists, or null when it has none visible: for a step id given as a cursor. */
export async function stepPosition(db: Database, organizationId: string, id: string): Promise<Position | null> {
  const [row] = await db.read<Position>(
    Prisma.sql`SELECT ${Prisma.raw(isoTimeSql('s.created_at'))} AS "createdAt", s.id FROM steps s WHERE s.id = ${id} AND ${visibleTo('s', organizationId)}`,
  );
  return row ?? null;
}

/** When the organization's first visible step was created (UTC, with microseconds), or null when it has none dated. */
export async function earliestStep(db: Database, organizationId: string): Promise<string | null> {
  const [row] = await db.read<{ createdAt: string | null }>(
    Prisma.sql`SELECT ${Prisma.raw(isoTimeSql('min(s.created_at)'))} AS "createdAt" FROM steps s WHERE ${visibleTo('s', organizationId)}`,
  );
  return row?.createdAt ?? null;
}

/** A row of a page, split: the step, and what was joined to it (see StepPageShape). */
export interface SplitRow {
  step: StepRow;
  trace: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  feedbackSummary: FeedbackSummary | null;
}

/** Splits the joined columns (`trace.<field>`, `metrics.<field>`, `feedbackSummary.<field>`) off a row of listSteps. */
export function splitJoined(row: Record<string, unknown>, shape: StepPageShape): SplitRow {
  if (shape.trace === undefined && shape.metrics === undefined && shape.feedbackSummary === undefined) {
    return { step: row as StepRow, trace: null, metrics: null, feedbackSummary: null };
  }
  const step: Record<string, unknown> = {};
  const joined: Record<'trace' | 'metrics' | 'feedbackSummary', Record<string, unknown> | null> = { trace: null, metrics: null, feedbackSummary: null };
  for (const [key, value] of Object.entries(row)) {
    const dot = key.indexOf('.');
    const prefix = dot > 0 ? key.slice(0, dot) : '';
    if (prefix === 'trace' || prefix === 'metrics' || prefix === 'feedbackSummary') (joined[prefix] ??= {})[key.slice(dot + 1)] = value;
    else step[key] = value;
  }
  // A LEFT JOIN that found nothing gives NULL in every column, the id included; an aggregate always has its row.
  return {
    step: step as StepRow,
    trace: joined.trace?.id == null ? null : joined.trace,
    metrics: joined.metrics?.id == null ? null : joined.metrics,
    feedbackSummary: joined.feedbackSummary as FeedbackSummary | null,
  };
}

/**
 * Counting stops past this many steps, so that a count costs at most this many index entries however many
 * steps match (an exact count of millions would read millions). Past it, the API says "10,000+".
 */
export const STEP_COUNT_LIMIT = 10_000;

/**
 * The statement that counts the steps of a list, up to one past the limit (see countSteps). A list filtered on
 * feedback entries is counted from the entries that match (an index range of their own) to their steps, each
 * looked up by id, so that its cost is bounded by what matches: counted from the steps' side, it would read
 * the organization's steps until enough matched, all of them for a rare criterion.
 */
export function stepCountSql(organizationId: string, filter: StepFilterValues, limit = STEP_COUNT_LIMIT): Prisma.Sql {
  const entries = stepEntryConditions(organizationId, filter);
  const where = stepConditions(organizationId, filter, { entries: false });
  if (entries === null) return Prisma.sql`SELECT count(*)::int AS count FROM (SELECT 1 FROM steps s WHERE ${where} LIMIT ${limit + 1}) AS matching`;
  return Prisma.sql`
    SELECT count(*)::int AS count FROM (
      SELECT 1 FROM (SELECT DISTINCT e.step_id FROM gateway_feedback_entries e WHERE ${entries}) AS f
       -- OFFSET 0 keeps the lookup a lookup: Postgres would otherwise join the two sides whole, reading the steps.
       CROSS JOIN LATERAL (SELECT 1 FROM steps s WHERE s.id = f.step_id AND ${where} OFFSET 0) AS step
       LIMIT ${limit + 1}) AS matching`;
}

/** A count of a list: exact, or a lower bound when the list is longer than counting is allowed to read. */
export interface Count {
  count: number;
  exact: boolean;
}

export async function countSteps(db: Database, organizationId: string, filter: StepFilterValues, limit = STEP_COUNT_LIMIT): Promise<Count> {
  const [row] = await db.read<{ count: number }>(stepCountSql(organizationId, filter, limit));
  const count = row?.count ?? 0;
  return count > limit ? { count: limit, exact: false } : { count, exact: true };
}
