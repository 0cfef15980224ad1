import { Prisma } from '../../prisma/generated/client/client.ts';
import { STEP_FEEDBACK, STOP_REASON } from '../letta/enums.ts';
import type { Database } from './database.ts';
import type { StepFilterValues } from './step-queries.ts';
import { EMPTY_SUMMARY, summaryColumns, summaryConditions, type FeedbackSummary } from './feedback-entries.ts';
import { isoTime, isoTimeSql } from './keyset.ts';
import { metricsVisibleTo } from './tenancy.ts';

/**
 * Aggregates over steps: the steps a filter keeps (stepConditions, the very WHERE clause of the step list),
 * grouped by a time bucket and dimensions, each group with the measures a query selects and nothing else.
 * One statement answers a page of groups; another the whole filter.
 */

const known = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** What steps can be grouped by: the field a group shows it as, and the column of steps (and facts) it comes from. */
export const STATS_DIMENSIONS = {
  AGENT: { field: 'agentId', column: 'agent_id' },
  MODEL: { field: 'model', column: 'model' },
  MODEL_HANDLE: { field: 'modelHandle', column: 'model_handle' },
  PROVIDER: { field: 'providerName', column: 'provider_name' },
  STATUS: { field: 'status', column: 'status' },
  STOP_REASON: { field: 'stopReason', column: 'stop_reason' },
  RUN: { field: 'runId', column: 'run_id' },
  PROJECT: { field: 'projectId', column: 'project_id' },
  FEEDBACK: { field: 'feedback', column: 'feedback' },
} as const;

export type StatsDimension = keyof typeof STATS_DIMENSIONS;

/**
 * The value a group of a dimension shows, over steps `s`. A stop reason or feedback this API does not know
 * groups with the steps that have none, as the step's own field shows it (null).
 */
function dimensionSql(dimension: StatsDimension): string {
  const c = `s.${STATS_DIMENSIONS[dimension].column}`;
  if (dimension === 'STATUS') return `${c}::text`;
  if (dimension === 'STOP_REASON') return `CASE WHEN ${c} IN (${known(Object.values(STOP_REASON).map(([value]) => value))}) THEN ${c} END`;
  if (dimension === 'FEEDBACK') return `CASE WHEN ${c} IN (${known(Object.values(STEP_FEEDBACK).map(([value]) => value))}) THEN ${c} END`;
  return c;
}

/** Time buckets, in Postgres's `date_trunc` units: weeks start on Monday (ISO 8601). */
export const BUCKET_UNITS = { HOUR: 'hour', DAY: 'day', WEEK: 'week', MONTH: 'month' } as const;
export type BucketUnit = keyof typeof BUCKET_UNITS;

export interface Bucket {
  unit: BucketUnit;
  /** An IANA time zone name, checked by the caller (schema/step-stats.ts). */
  timeZone: string;
}

/** The token columns, by measure. */
export const TOKEN_MEASURES = {
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  totalTokens: 'total_tokens',
  cachedInputTokens: 'cached_input_tokens',
  cacheWriteTokens: 'cache_write_tokens',
  reasoningTokens: 'reasoning_tokens',
} as const;
export type TokenMeasure = keyof typeof TOKEN_MEASURES;
export const TOKEN_STATS = ['sum', 'mean', 'count'] as const;

/** The durations of step_metrics (nanoseconds), by measure (milliseconds). */
export const LATENCY_MEASURES = { stepMs: 'step_ns', llmRequestMs: 'llm_request_ns', toolExecutionMs: 'tool_execution_ns' } as const;
export type LatencyMeasure = keyof typeof LATENCY_MEASURES;
export const PERCENTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;
export const LATENCY_STATS = [...(Object.keys(PERCENTILES) as (keyof typeof PERCENTILES)[]), 'max', 'mean', 'count'] as const;

/** Counts of steps, by measure: the steps `s` that each counts (null: all of them). */
const COUNTS = {
  count: null,
  failedCount: `s.status = 'FAILED'`,
  cancelledCount: `s.status = 'CANCELLED'`,
  positiveFeedbackCount: `s.feedback = 'positive'`,
  negativeFeedbackCount: `s.feedback = 'negative'`,
  feedbackCount: `s.feedback IN ('positive', 'negative')`,
} as const;
export type CountMeasure = keyof typeof COUNTS;
export const COUNT_MEASURES = Object.keys(COUNTS) as CountMeasure[];

/**
 * The measures a query selects, each named by the column that answers it: `count`, `promptTokens.sum`,
 * `stepMs.p95`; and the criteria of the feedback summaries it selects (null: all criteria).
 */
export interface StatsMeasures {
  columns: Set<string>;
  summaries: (string | null)[];
}

/** The aggregate that answers a measure column, over steps (`s`, their metrics `sm`), facts (`s`) or rollup rows. */
function measureSql(column: string, source: StatsSource['kind']): string {
  const [measure, stat] = column.split('.') as [string, string | undefined];
  if (source === 'rollups') {
    // Rollup rows (and the facts of the hours at the range's edges, shaped as rows of one step) carry sums.
    if (column in COUNTS) return `sum(s.${snake(column)})::int`;
    if (measure in TOKEN_MEASURES) {
      const c = TOKEN_MEASURES[measure as TokenMeasure];
      if (stat === 'sum') return `coalesce(sum(s.${c}_sum), 0)::float8`;
      if (stat === 'mean') return `(sum(s.${c}_sum)::float8 / nullif(sum(s.${c}_count), 0))`;
      if (stat === 'count') return `sum(s.${c}_count)::int`;
    }
    throw new Error(`rollups cannot answer ${column}`);
  }
  if (column in COUNTS) {
    const counted = COUNTS[column as CountMeasure];
    return `${counted === null ? 'count(*)' : `count(*) FILTER (WHERE ${counted})`}::int`;
  }
  if (measure in TOKEN_MEASURES) {
    const c = `s.${TOKEN_MEASURES[measure as TokenMeasure]}`;
    if (stat === 'sum') return `coalesce(sum(${c}), 0)::float8`;
    // The exact sum over the exact count, rounded once: the same double from every source (rollups hold both).
    if (stat === 'mean') return `(sum(${c})::float8 / nullif(count(${c}), 0))`;
    if (stat === 'count') return `count(${c})::int`;
  }
  if (measure in LATENCY_MEASURES) {
    // Facts carry their metrics' durations; steps have them joined.
    const c = `${source === 'facts' ? 's' : 'sm'}.${LATENCY_MEASURES[measure as LatencyMeasure]}`;
    if (stat !== undefined && stat in PERCENTILES) return `(percentile_cont(${PERCENTILES[stat as keyof typeof PERCENTILES]}) WITHIN GROUP (ORDER BY ${c}) / 1e6)::float8`;
    if (stat === 'max') return `(max(${c}) / 1e6)::float8`;
    if (stat === 'mean') return `(avg(${c}) / 1e6)::float8`;
    if (stat === 'count') return `count(${c})::int`;
  }
  throw new Error(`unknown measure ${column}`);
}

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The rollup sums a measure column is computed from. */
function sumsOf(column: string): string[] {
  if (column in COUNTS) return [snake(column)];
  const [measure, stat] = column.split('.') as [string, string | undefined];
  if (!(measure in TOKEN_MEASURES)) return [];
  const c = TOKEN_MEASURES[measure as TokenMeasure];
  return stat === 'sum' ? [`${c}_sum`] : stat === 'count' ? [`${c}_count`] : [`${c}_sum`, `${c}_count`];
}

/** Whether the rollups can answer a measure: counts and tokens, not durations. */
export const rollupMeasure = (column: string) => column in COUNTS || column.split('.')[0]! in TOKEN_MEASURES;

/**
 * Where a request's groups are aggregated from:
 * - `steps`: Letta's tables (steps, their metrics joined), always right, read in full for the range;
 * - `facts`: the gateway's narrow copy of them (stats-tables.ts), for every filter but tags and trace ids;
 * - `rollups`: the hourly sums, for counts and tokens by at most one dimension, filtered on it at most, in a time
 *   zone of whole hours. The hours a range starts and ends within are read from the facts (`fullFrom` is the
 *   first whole hour after `createdAfter`; `fullTo`, when given, the hour `createdBefore` falls in).
 */
export type StatsSource =
  | { kind: 'steps' }
  | { kind: 'facts' }
  | { kind: 'rollups'; organizationId: string; dimension: RollupDimension; value: string | null; fullFrom: string; fullTo: string | null };

export type RollupDimension = Exclude<StatsDimension, 'RUN'> | '';

/** How a group is named: its bucket's start (UTC, when bucketed), then the value of each dimension, in the request's order. */
export type GroupKey = (string | null)[];

export interface StatsRequest {
  where: Prisma.Sql;
  dimensions: StatsDimension[];
  bucket: Bucket | null;
  measures: StatsMeasures;
  source: StatsSource;
}

/** A group as read: its key's columns (`bucket` and each dimension's field), its measure columns and its summaries' (`summary<i>.<field>`). */
export type StatsRow = Record<string, unknown> & { bucket: string | null };

/**
 * The start of a step's bucket: the local time truncated, and back to a point in time. The same as Postgres's
 * `date_trunc(unit, time, zone)` (both resolve local times with the zone's rules), a third cheaper per row.
 */
const bucketSql = (bucket: Bucket) =>
  Prisma.sql`(date_trunc(${BUCKET_UNITS[bucket.unit]}, s.created_at AT TIME ZONE ${bucket.timeZone}::text) AT TIME ZONE ${bucket.timeZone}::text)`;

/** The key columns of a group: (SQL, alias) pairs, the bucket first. */
function keyColumns(request: Pick<StatsRequest, 'dimensions' | 'bucket'>): { sql: Prisma.Sql; alias: string; time: boolean }[] {
  return [
    ...(request.bucket ? [{ sql: bucketSql(request.bucket), alias: 'bucket', time: true }] : []),
    ...request.dimensions.map((dimension) => ({ sql: Prisma.raw(dimensionSql(dimension)), alias: STATS_DIMENSIONS[dimension].field, time: false })),
  ];
}

/**
 * The order of groups as a row of non-null values, so that one row comparison places a group after a cursor:
 * each key column as (is null, value or a stand-in), null after every value.
 */
function sortKey(columns: { time: boolean }[], value: (index: number) => Prisma.Sql): Prisma.Sql {
  return Prisma.join(
    columns.flatMap((column, index) => [
      Prisma.sql`(${value(index)} IS NULL)`,
      column.time ? Prisma.sql`coalesce(${value(index)}, 'epoch'::timestamptz)` : Prisma.sql`coalesce(${value(index)}, '')`,
    ]),
    ', ',
  );
}

/** The rows a request aggregates, as `s`. */
function source(request: StatsRequest): Prisma.Sql {
  const { source: from } = request;
  if (from.kind === 'facts') return Prisma.sql`gateway_step_facts s`;
  if (from.kind === 'steps') {
    const latency = [...request.measures.columns].some((column) => column.split('.')[0]! in LATENCY_MEASURES);
    return latency ? Prisma.sql`steps s LEFT JOIN step_metrics sm ON sm.id = s.id AND ${metricsVisibleTo('sm', null)}` : Prisma.sql`steps s`;
  }
  // The rollup rows of the whole hours, and the facts of the hours at the edges as rows of one step each.
  const column = from.dimension === '' ? null : STATS_DIMENSIONS[from.dimension].column;
  // Only the sums the measures read (the count always: it tells groups with steps from rows emptied since).
  const sums = ROLLUP_SUMS.filter(([name]) => name === 'count' || [...request.measures.columns].some((column) => sumsOf(column).includes(name)));
  const rollupColumns = [
    'r.hour_at AS created_at',
    ...(column !== null ? [`r.value AS ${column}`] : []),
    ...sums.map(([name]) => `r.${name}`),
  ].join(', ');
  const factColumns = [
    's.created_at',
    ...(column !== null ? [`s.${column}${column === 'status' ? '::text' : ''}`] : []),
    ...sums.map(([name, perStep]) => `${perStep} AS ${name}`),
  ].join(', ');
  const edges = [
    Prisma.sql`SELECT ${Prisma.raw(factColumns)} FROM gateway_step_facts s WHERE ${request.where} AND s.created_at < ${from.fullFrom}::timestamptz`,
    ...(from.fullTo !== null ? [Prisma.sql`SELECT ${Prisma.raw(factColumns)} FROM gateway_step_facts s WHERE ${request.where} AND s.created_at >= ${from.fullTo}::timestamptz`] : []),
  ];
  const hours = Prisma.sql`SELECT ${Prisma.raw(rollupColumns)} FROM gateway_step_rollups r
     WHERE r.organization_id = ${from.organizationId} AND r.dimension = ${from.dimension} AND r.hour_at >= ${from.fullFrom}::timestamptz
       ${from.fullTo !== null ? Prisma.sql`AND r.hour_at < ${from.fullTo}::timestamptz` : Prisma.empty}
       ${from.value !== null ? Prisma.sql`AND r.value_key = ${`v${from.value}`}` : Prisma.empty}`;
  return Prisma.sql`(${Prisma.join([hours, ...edges], ' UNION ALL ')}) AS s`;
}

/** The dimensions rollups are kept by: all but the run, whose values are nearly as many as the steps. */
export const ROLLUP_DIMENSIONS = (Object.keys(STATS_DIMENSIONS) as StatsDimension[]).filter((dimension): dimension is Exclude<RollupDimension, ''> => dimension !== 'RUN');

/**
 * The sums a rollup row holds (the columns of `gateway_step_rollups`), and what one step or fact `s` adds to
 * each: its counts, and each token count's sum and how many steps recorded it.
 */
export const ROLLUP_SUMS: [name: string, perStep: string][] = [
  ...(Object.entries(COUNTS) as [CountMeasure, string | null][]).map(([measure, counted]): [string, string] => [snake(measure), counted === null ? "1" : `((${counted}) IS TRUE)::int`]),
  ...Object.values(TOKEN_MEASURES).flatMap((c): [string, string][] => [
    [`${c}_sum`, `coalesce(s.${c}, 0)::bigint`],
    [`${c}_count`, `(s.${c} IS NOT NULL)::int`],
  ]),
];

const quoted = (alias: string) => Prisma.raw(`"${alias}"`);

/**
 * The statement that reads one page of groups: every group of the filter is aggregated, and the `limit + 1`
 * first after `after` in the order of the bucket, then the dimensions as given, are returned with their
 * feedback summaries. With neither bucket nor dimension, the one group is the whole filter.
 */
export function statsPageSql(request: StatsRequest, page: { limit: number; after: GroupKey | null }): Prisma.Sql {
  const keys = keyColumns(request);
  // The count is always read: a group is the aggregate of its steps even when nothing else is measured.
  const measured = new Set(['count', ...request.measures.columns]);
  const measures = [...measured].map((column) => Prisma.raw(`${measureSql(column, request.source.kind)} AS "${column}"`));
  const select = [...keys.map((key) => Prisma.sql`${key.sql} AS ${quoted(key.alias)}`), ...measures];
  const groupBy = keys.length > 0 ? Prisma.sql`GROUP BY ${Prisma.raw(keys.map((_, index) => String(index + 1)).join(', '))}` : Prisma.empty;
  const ofGroups = (alias: string) => (index: number) => Prisma.raw(`${alias}."${keys[index]!.alias}"`);
  const after =
    page.after !== null && keys.length > 0
      ? Prisma.sql`WHERE (${sortKey(keys, ofGroups('g'))}) > (${sortKey(keys, (index) => (keys[index]!.time ? Prisma.sql`${page.after![index]}::timestamptz` : Prisma.sql`${page.after![index]}::text`))})`
      : Prisma.empty;
  const order = keys.length > 0 ? Prisma.sql`ORDER BY ${sortKey(keys, ofGroups('p'))}` : Prisma.empty;
  // Each summary aggregates the entries of the same groups, joined to the page on its key.
  const summaries = request.measures.summaries.map((name, index) => {
    const prefix = `summary${index}.`;
    const on = keys.length > 0 ? Prisma.join(keys.map((key) => Prisma.raw(`f${index}."${key.alias}" IS NOT DISTINCT FROM p."${key.alias}"`)), ' AND ') : Prisma.sql`true`;
    return {
      columns: Object.keys(EMPTY_SUMMARY).map((field) => Prisma.raw(`f${index}."${prefix}${field}"`)),
      join: Prisma.sql`LEFT JOIN (
        SELECT ${Prisma.join([...keys.map((key) => Prisma.sql`${key.sql} AS ${quoted(key.alias)}`), summaryColumns(prefix)], ', ')}
          FROM ${request.source.kind === 'facts' ? Prisma.sql`gateway_step_facts s` : Prisma.sql`steps s`} JOIN gateway_feedback_entries e ON e.step_id = s.id AND ${summaryConditions(Prisma.raw('s.organization_id'), name)}
         WHERE ${request.where} ${groupBy}) AS ${Prisma.raw(`f${index}`)} ON ${on}`,
    };
  });
  const columns = [
    ...keys.map((key) => Prisma.raw(key.time ? `${isoTimeSql(`p."${key.alias}"`)} AS "${key.alias}"` : `p."${key.alias}"`)),
    ...[...measured].map((column) => Prisma.raw(`p."${column}"`)),
    ...summaries.flatMap((summary) => summary.columns),
  ];
  return Prisma.sql`
    WITH g AS (SELECT ${Prisma.join(select, ', ')} FROM ${source(request)} ${request.source.kind === 'rollups' ? Prisma.empty : Prisma.sql`WHERE ${request.where}`} ${groupBy}
               ${request.source.kind === 'rollups' && keys.length > 0 ? Prisma.sql`HAVING sum(s.count) > 0` : Prisma.empty}),
         p AS (SELECT * FROM g ${after} ${keys.length > 0 ? Prisma.sql`ORDER BY ${sortKey(keys, ofGroups('g'))}` : Prisma.empty} LIMIT ${page.limit + 1})
    SELECT ${Prisma.join(columns, ', ')}
      FROM p ${summaries.length > 0 ? Prisma.join(summaries.map((summary) => summary.join), ' ') : Prisma.empty}
     ${order}`;
}

/** One page of groups (see statsPageSql), `limit + 1` read to learn whether another follows. */
export async function statsPage(db: Database, request: StatsRequest, page: { limit: number; after: GroupKey | null }): Promise<StatsRow[]> {
  // Planned for its range each time: a generic plan, blind to how many hours or steps the range holds, reads
  // the rollups or the facts twice as slowly.
  return db.read<StatsRow>(statsPageSql(request, page), { plan: 'each' });
}

/** The key of a group read by statsPage. */
export function groupKeyOf(row: StatsRow, request: Pick<StatsRequest, 'dimensions' | 'bucket'>): GroupKey {
  return keyColumns(request).map((key) => row[key.alias] as string | null);
}

/** The summary of the `index`-th criterion of a row read by statsPage (an empty one where the group has no entries). */
export function summaryOf(row: StatsRow, index: number): FeedbackSummary {
  const prefix = `summary${index}.`;
  if (row[`${prefix}count`] == null) return EMPTY_SUMMARY;
  return Object.fromEntries(Object.keys(EMPTY_SUMMARY).map((field) => [field, row[`${prefix}${field}`]])) as unknown as FeedbackSummary;
}

/** The step filter's conditions that name one value of a dimension rollups are kept by. */
const FILTERED_DIMENSIONS = {
  agentId: 'AGENT',
  model: 'MODEL',
  modelHandle: 'MODEL_HANDLE',
  providerName: 'PROVIDER',
  projectId: 'PROJECT',
  status: 'STATUS',
  stopReason: 'STOP_REASON',
  feedback: 'FEEDBACK',
} as const satisfies Partial<Record<keyof StepFilterValues, RollupDimension>>;

const HOUR_MS = 3_600_000;

const wholeHourZones = new Map<string, boolean>();

/** Whether a time zone's offset from UTC has been whole hours at every instant from 1970 to 2040 (so UTC hours are its hours). */
export function inWholeHours(timeZone: string): boolean {
  let known = wholeHourZones.get(timeZone);
  if (known === undefined) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    known = true;
    for (let at = Date.UTC(1970, 0, 1); at < Date.UTC(2040, 0, 1) && known; at += 7 * 86_400_000) {
      const offset = format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
      known = offset === 'GMT' || /^GMT[+-]\d{2}:00$/.test(offset);
    }
    wholeHourZones.set(timeZone, known);
  }
  return known;
}

/**
 * Where a request is best aggregated from (see StatsSource): Letta's tables while the pre-aggregated
 * statistics cannot answer it (not built, or not brought up to date lately: `preaggregated` false), or for a
 * filter on tags or trace ids; the rollups where they hold what is asked; the facts otherwise.
 */
export function planSource(
  organizationId: string,
  filter: StepFilterValues,
  request: Pick<StatsRequest, 'dimensions' | 'bucket' | 'measures'>,
  preaggregated: boolean,
): StatsSource {
  if (!preaggregated || (filter.tags != null && filter.tags.length > 0) || filter.traceIds != null) return { kind: 'steps' };
  const facts = { kind: 'facts' } as const;
  if (request.measures.summaries.length > 0 || ![...request.measures.columns].every(rollupMeasure)) return facts;
  if (filter.createdAfter == null || (request.bucket !== null && !inWholeHours(request.bucket.timeZone))) return facts;
  // At most one dimension in all: grouped by, or filtered on, or both.
  const dimensions = new Set<StatsDimension | ''>(request.dimensions);
  let value: string | null = null;
  for (const [name, given] of Object.entries(filter) as [keyof StepFilterValues, unknown][]) {
    if (given == null || name === 'createdAfter' || name === 'createdBefore') continue;
    if (!(name in FILTERED_DIMENSIONS)) return facts;
    dimensions.add(FILTERED_DIMENSIONS[name as keyof typeof FILTERED_DIMENSIONS]);
    value = String(given);
  }
  const [dimension = '', ...more] = dimensions;
  if (more.length > 0 || dimension === 'RUN') return facts;
  // The whole hours of the range: after the hour createdAfter falls in, and before the one createdBefore falls in.
  const fullFrom = Math.floor(Date.parse(filter.createdAfter) / HOUR_MS) * HOUR_MS + HOUR_MS;
  const fullTo = filter.createdBefore != null ? Math.floor(Date.parse(filter.createdBefore) / HOUR_MS) * HOUR_MS : null;
  // A range that holds no whole hour, or whose first whole hour is past the year 9999 (which Postgres cannot write).
  if ((fullTo !== null && fullTo <= fullFrom) || fullFrom >= Date.UTC(10000, 0, 1)) return facts;
  return { kind: 'rollups', organizationId, dimension: dimension as RollupDimension, value, fullFrom: isoTime(fullFrom), fullTo: fullTo === null ? null : isoTime(fullTo) };
}
