import type { GraphQLResolveInfo } from 'graphql';

import { requireKey } from '../context.ts';
import type { FeedbackSummary } from '../db/feedback-entries.ts';
import {
  BUCKET_UNITS,
  COUNT_MEASURES,
  groupKeyOf,
  planSource,
  LATENCY_MEASURES,
  LATENCY_STATS,
  STATS_DIMENSIONS,
  statsPage,
  summaryOf,
  TOKEN_MEASURES,
  TOKEN_STATS,
  type Bucket,
  type StatsDimension,
  type StatsMeasures,
  type StatsRequest,
  type StatsRow,
} from '../db/step-stats.ts';
import { earliestStep, stepConditions } from '../db/step-queries.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { PageInfoType } from './connection.ts';
import { StepFeedbackEnum, StepStatusEnum, StopReasonEnum } from './enums.ts';
import { FeedbackSummaryType } from './feedback-entry.ts';
import { summaryName } from './feedback-input.ts';
import type { PageInfo } from './pages.ts';
import { argumentsSelected, selectedFields } from './selection.ts';
import { parseStepFilter, StepFilterInput, TimeUnitEnum, type TimeUnit } from './step-filter.ts';

/**
 * `stepStats`: aggregates over the steps a filter keeps, by time bucket and dimensions, for dashboards. Every
 * measure is computed only when selected; the bounds below are checked before any SQL.
 */

const PAGE = { size: 100, max: 1000 };
/** The longest time range one request may aggregate. */
export const MAX_STATS_DAYS = 400;
/** The most buckets one request may ask for (the range divided by the unit). */
export const MAX_BUCKETS = 1000;
/** What a stepStats field costs, besides its groups: it reads every step of its range. */
const STATS_COST = 100;

const DAY_MS = 86_400_000;
/** The shortest length of each unit, so that a bucket count is never underestimated. */
const UNIT_MS: Record<TimeUnit, number> = { HOUR: 3_600_000, DAY: 23 * 3_600_000, WEEK: 7 * DAY_MS - 3_600_000, MONTH: 28 * DAY_MS - 3_600_000 };

const DIMENSION_DESCRIPTIONS: Record<StatsDimension, string> = {
  AGENT: 'The agent that performed the step.',
  MODEL: 'The model name (e.g. `gpt-4o-mini`).',
  MODEL_HANDLE: "The model handle (e.g. 'openai/gpt-4o-mini').",
  PROVIDER: 'The provider name.',
  STATUS: 'The status of the step.',
  STOP_REASON: 'The stop reason of the step.',
  RUN: 'The run the step belongs to.',
  PROJECT: 'The project (cloud only).',
  FEEDBACK: "The step's feedback (positive, negative or none).",
};

const StepStatsDimensionEnum = builder.enumType('StepStatsDimension', {
  description: 'What the groups of `stepStats` are made by, besides the time bucket.',
  values: Object.fromEntries(Object.entries(DIMENSION_DESCRIPTIONS).map(([name, description]) => [name, { value: name, description }])) as {
    [Name in StatsDimension]: { value: Name; description: string };
  },
});

const StepStatsBucketInput = builder.inputType('StepStatsBucket', {
  description: 'A time bucket: groups by the hour, day, week or month each step was created in, in a time zone.',
  fields: (t) => ({
    unit: t.field({ type: TimeUnitEnum, required: true, description: 'The length of a bucket.' }),
    timeZone: t.string({
      required: true,
      defaultValue: 'UTC',
      description: 'The IANA time zone the buckets are counted in (e.g. `Europe/Paris`), so that a day starts at local midnight. Default: UTC.',
    }),
  }),
});

/** The measures of a group, read by the statement of its page; `summaries` names the criterion of each summary column. */
interface StatsValue {
  row: StatsRow;
  summaries: (string | null)[];
}

const measureOf = (value: StatsValue, column: string) => value.row[column] as number | null;

const TokenStatsType = builder.objectRef<{ value: StatsValue; measure: string }>('TokenStats').implement({
  description: 'A token count over a group of steps. Steps that did not record it are left out of the mean and the count.',
  fields: (t) => ({
    sum: t.float({ description: 'The total: 0 when no step recorded it.', resolve: ({ value, measure }) => measureOf(value, `${measure}.sum`) ?? 0 }),
    mean: t.float({ nullable: true, description: 'The mean per step that recorded it; null when none did.', resolve: ({ value, measure }) => measureOf(value, `${measure}.mean`) }),
    count: t.int({ description: 'How many steps recorded it.', resolve: ({ value, measure }) => measureOf(value, `${measure}.count`) ?? 0 }),
  }),
});

const LatencyStatsType = builder.objectRef<{ value: StatsValue; measure: string }>('LatencyStats').implement({
  description:
    "A duration from the steps' metrics, in milliseconds. Percentiles are exact, interpolated between the two nearest steps (as Postgres's `percentile_cont`). Steps without metrics are left out; every field is null when no step has one.",
  fields: (t) => ({
    ...Object.fromEntries(
      (['p50', 'p90', 'p95', 'p99'] as const).map((stat) => [
        stat,
        t.float({ nullable: true, description: `The ${stat.slice(1)}th percentile.`, resolve: ({ value, measure }) => measureOf(value, `${measure}.${stat}`) }),
      ]),
    ),
    max: t.float({ nullable: true, description: 'The longest.', resolve: ({ value, measure }) => measureOf(value, `${measure}.max`) }),
    mean: t.float({ nullable: true, description: 'The mean.', resolve: ({ value, measure }) => measureOf(value, `${measure}.mean`) }),
    count: t.int({ description: 'How many steps have it.', resolve: ({ value, measure }) => measureOf(value, `${measure}.count`) ?? 0 }),
  }),
});

const TOKEN_DESCRIPTIONS: Record<keyof typeof TOKEN_MEASURES, string> = {
  promptTokens: 'The number of tokens in the prompt.',
  completionTokens: 'The number of tokens generated by the agent.',
  totalTokens: 'The total number of tokens processed by the agent.',
  cachedInputTokens: 'The number of input tokens served from cache.',
  cacheWriteTokens: 'The number of input tokens written to cache (Anthropic only).',
  reasoningTokens: 'The number of reasoning/thinking tokens generated.',
};

const LATENCY_DESCRIPTIONS: Record<keyof typeof LATENCY_MEASURES, string> = {
  stepMs: 'The time the step took (`stepNs` of its metrics).',
  llmRequestMs: 'The time the LLM request took (`llmRequestNs`).',
  toolExecutionMs: 'The time tool execution took (`toolExecutionNs`).',
};

const StepStatsType = builder.objectRef<StatsValue>('StepStats').implement({
  description: 'Measures over a group of steps. Each is computed only when selected.',
  fields: (t) => ({
    count: t.int({ description: 'How many steps.', resolve: (value) => measureOf(value, 'count') ?? 0 }),
    failedCount: t.int({ description: 'How many failed (status FAILED).', resolve: (value) => measureOf(value, 'failedCount') ?? 0 }),
    cancelledCount: t.int({ description: 'How many were cancelled (status CANCELLED).', resolve: (value) => measureOf(value, 'cancelledCount') ?? 0 }),
    failureRate: t.float({
      nullable: true,
      description: 'The share of steps that failed, from 0 to 1: `failedCount / count`; null for no steps.',
      resolve: (value) => {
        const count = measureOf(value, 'count') ?? 0;
        return count === 0 ? null : (measureOf(value, 'failedCount') ?? 0) / count;
      },
    }),
    positiveFeedbackCount: t.int({ description: 'How many have positive feedback.', resolve: (value) => measureOf(value, 'positiveFeedbackCount') ?? 0 }),
    negativeFeedbackCount: t.int({ description: 'How many have negative feedback.', resolve: (value) => measureOf(value, 'negativeFeedbackCount') ?? 0 }),
    feedbackCount: t.int({ description: 'How many have feedback (positive or negative).', resolve: (value) => measureOf(value, 'feedbackCount') ?? 0 }),
    ...Object.fromEntries(
      Object.entries(TOKEN_DESCRIPTIONS).map(([measure, description]) => [
        measure,
        t.field({ type: TokenStatsType, description, resolve: (value) => ({ value, measure }) }),
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(LATENCY_DESCRIPTIONS).map(([measure, description]) => [
        measure,
        t.field({ type: LatencyStatsType, description, resolve: (value) => ({ value, measure }) }),
      ]),
    ),
    feedbackSummary: t.field({
      type: FeedbackSummaryType,
      description: "What the current feedback entries of these steps come to: of one criterion (the mean score per criterion is its `meanScore`), or of all of them when `name` is omitted.",
      args: { name: t.arg.string({ description: 'The criterion, e.g. `overall`; omit it to summarize every criterion together.' }) },
      resolve: (value, { name }): FeedbackSummary => summaryOf(value.row, value.summaries.indexOf(summaryName(name))),
    }),
  }),
});

interface StatsGroup {
  value: StatsValue;
  cursor: () => string;
}

const StepStatsGroupType = builder.objectRef<StatsGroup>('StepStatsGroup').implement({
  description:
    'One group of `stepStats`: its time bucket and the values of the dimensions it was grouped by (null for a dimension it was not grouped by, or for steps without a value), and its measures.',
  fields: (t) => {
    const dimension = (field: string) => (group: StatsGroup) => (group.value.row[field] ?? null) as string | null;
    return {
      bucket: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'The start of the time bucket (null without `bucket`, or for steps that have no creation time).',
        resolve: (group) => group.value.row.bucket ?? null,
      }),
      agentId: t.string({ nullable: true, description: 'The agent (with `AGENT`).', resolve: dimension('agentId') }),
      model: t.string({ nullable: true, description: 'The model (with `MODEL`).', resolve: dimension('model') }),
      modelHandle: t.string({ nullable: true, description: 'The model handle (with `MODEL_HANDLE`).', resolve: dimension('modelHandle') }),
      providerName: t.string({ nullable: true, description: 'The provider (with `PROVIDER`).', resolve: dimension('providerName') }),
      status: t.field({ type: StepStatusEnum, nullable: true, description: 'The status (with `STATUS`).', resolve: (group) => dimension('status')(group) as never }),
      stopReason: t.field({ type: StopReasonEnum, nullable: true, description: 'The stop reason (with `STOP_REASON`).', resolve: (group) => dimension('stopReason')(group) as never }),
      runId: t.string({ nullable: true, description: 'The run (with `RUN`).', resolve: dimension('runId') }),
      projectId: t.string({ nullable: true, description: 'The project (with `PROJECT`).', resolve: dimension('projectId') }),
      feedback: t.field({ type: StepFeedbackEnum, nullable: true, description: 'The feedback (with `FEEDBACK`).', resolve: (group) => dimension('feedback')(group) as never }),
      stats: t.field({ type: StepStatsType, description: 'The measures of the group.', resolve: (group) => group.value }),
    };
  },
});

const StepStatsEdgeType = builder.objectRef<StatsGroup>('StepStatsEdge').implement({
  description: 'One group of `stepStats`, with its cursor.',
  fields: (t) => ({
    cursor: t.string({ description: 'An opaque cursor for this group, for `after` of the same grouping.', resolve: (group) => group.cursor() }),
    node: t.field({ type: StepStatsGroupType, description: 'The group.', resolve: (group) => group }),
  }),
});

interface StatsConnection {
  groups: StatsGroup[];
  pageInfo: PageInfo;
  total: () => Promise<StatsValue>;
}

const StepStatsConnectionType = builder.objectRef<StatsConnection>('StepStatsConnection').implement({
  description: 'A page of the groups of `stepStats`, ordered by bucket, then by the dimensions in the order given (nulls last), and the measures of the whole filter.',
  fields: (t) => ({
    edges: t.field({ type: [StepStatsEdgeType], description: 'The groups of this page, with their cursors.', resolve: (page) => page.groups }),
    nodes: t.field({ type: [StepStatsGroupType], description: 'The groups of this page.', resolve: (page) => page.groups }),
    pageInfo: t.field({ type: PageInfoType, description: 'Where this page sits in the list of groups.', resolve: (page) => page.pageInfo }),
    total: t.field({
      type: StepStatsType,
      description: 'The measures of every step the filter keeps, whatever the grouping and the page.',
      complexity: STATS_COST,
      resolve: (page) => page.total(),
    }),
  }),
});

/** The measures selected on StepStats at the end of `paths` below the resolved field. */
function measuresSelected(info: GraphQLResolveInfo, paths: string[][]): StatsMeasures {
  const fields = selectedFields(info, 'StepStats', paths);
  const columns = new Set<string>();
  for (const measure of COUNT_MEASURES) if (fields.has(measure)) columns.add(measure);
  if (fields.has('failureRate')) columns.add('count').add('failedCount');
  for (const [measures, type, stats] of [[TOKEN_MEASURES, 'TokenStats', TOKEN_STATS], [LATENCY_MEASURES, 'LatencyStats', LATENCY_STATS]] as const) {
    for (const measure of Object.keys(measures)) {
      if (!fields.has(measure)) continue;
      const selected = selectedFields(info, type, paths.map((path) => [...path, measure]));
      for (const stat of stats) if (selected.has(stat)) columns.add(`${measure}.${stat}`);
    }
  }
  const summaries = [...new Set(argumentsSelected(info, 'StepStats', paths, 'feedbackSummary').map((args) => summaryName(args.name)))];
  return { columns, summaries };
}

const TIME_ZONE = /^(?:UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/;
/** The time zone names already found valid. */
const knownZones = new Set<string>();

/** An IANA time zone name (`Europe/Paris`), or BAD_USER_INPUT. Offsets such as `+05:30` are refused: Postgres reads them with POSIX's inverted sign. */
function checkTimeZone(name: string): string {
  if (knownZones.has(name)) return name;
  if (TIME_ZONE.test(name) && name.length <= 64) {
    try {
      // Making a format is dear (a fifth of a millisecond): each name is checked once.
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      if (knownZones.size < 1000) knownZones.add(name);
      return name;
    } catch {
      // Unknown: refused below.
    }
  }
  throw badUserInput(`"bucket.timeZone" must be an IANA time zone name such as "UTC" or "Europe/Paris"; "${name.slice(0, 64)}" is not one.`, 'bucket.timeZone');
}

const bucketCount = (fromMs: number, toMs: number, unit: TimeUnit) => Math.floor(Math.max(toMs - fromMs, 0) / UNIT_MS[unit]) + 2;

builder.queryFields((t) => ({
  stepStats: t.field({
    type: StepStatsConnectionType,
    description:
      `Aggregates over the steps of your organization that the filter keeps: one group per time bucket and value of each dimension of \`groupBy\` (a page of groups), and \`total\` for the whole filter. ` +
      `A request covers at most ${MAX_STATS_DAYS} days (from \`filter.createdAfter\`, or from your organization's first step, to \`filter.createdBefore\` or now) and at most ${MAX_BUCKETS.toLocaleString('en-US')} buckets.`,
    args: {
      filter: t.arg({ type: StepFilterInput, description: 'Which steps to aggregate: the same filter as `steps`.' }),
      groupBy: t.arg({ type: [StepStatsDimensionEnum], description: 'The dimensions to group by, in the order the groups are sorted by (after the bucket).' }),
      bucket: t.arg({ type: StepStatsBucketInput, description: 'Group by time as well: by the hour, day, week or month of creation, in a time zone.' }),
      first: t.arg.int({ description: `Returns the first n groups (default ${PAGE.size}, at most ${PAGE.max}).` }),
      after: t.arg.string({ description: 'Returns the groups after this cursor (one this grouping returned).' }),
    },
    // The statement reads every step of the range, whatever the page; each group costs its selection.
    complexity: (args) => ({
      field: STATS_COST,
      multiplier: Math.min(Math.max(args.first ?? PAGE.size, 1), PAGE.max, (args.groupBy ?? []).length === 0 && args.bucket == null ? 1 : PAGE.max),
    }),
    resolve: async (_root, args, ctx, info) => {
      requireKey(ctx);
      const first = args.first ?? PAGE.size;
      if (first < 0 || first > PAGE.max) throw badUserInput(`"first" must be between 0 and ${PAGE.max}.`, 'first');
      const filter = parseStepFilter(args.filter);
      const dimensions = [...new Set(args.groupBy ?? [])] as StatsDimension[];
      const bucket: Bucket | null = args.bucket ? { unit: args.bucket.unit as keyof typeof BUCKET_UNITS, timeZone: checkTimeZone(args.bucket.timeZone) } : null;
      // A cursor is good for the grouping that returned it: the same bucket unit and zone, the same dimensions.
      const list = `step-stats:${bucket ? `${bucket.unit}@${bucket.timeZone}` : '-'}:${dimensions.join(',')}`;
      const after = args.after != null ? ctx.cursors.decodeKey(args.after, list, 'after', dimensions.length + (bucket ? 1 : 0)) : null;
      // The range: from createdAfter, or the first step, to createdBefore or now.
      const toMs = filter.createdBefore != null ? Date.parse(filter.createdBefore) : Date.now();
      const from = filter.createdAfter ?? (await earliestStep(ctx.db, ctx.organizationId));
      if (from !== null) {
        const fromMs = Date.parse(from);
        if (toMs - fromMs > MAX_STATS_DAYS * DAY_MS) {
          throw badUserInput(
            filter.createdAfter != null
              ? `stepStats covers at most ${MAX_STATS_DAYS} days: narrow "filter.createdAfter" and "filter.createdBefore".`
              : `stepStats covers at most ${MAX_STATS_DAYS} days, and your organization's steps span more: set "filter.createdAfter" (or "filter.createdInLast").`,
            'filter.createdAfter',
          );
        }
        if (bucket !== null && bucketCount(fromMs, toMs, bucket.unit) > MAX_BUCKETS) {
          throw badUserInput(
            `stepStats returns at most ${MAX_BUCKETS.toLocaleString('en-US')} buckets: this range holds more ${bucket.unit.toLowerCase()}s. Use a longer unit or a shorter range.`,
            'bucket.unit',
          );
        }
      }
      const groupsPaths = [['nodes', 'stats'], ['edges', 'node', 'stats']];
      const where = stepConditions(ctx.organizationId, filter);
      const measures = measuresSelected(info, groupsPaths);
      const preaggregated = ctx.stats.usable();
      const request: StatsRequest = { where, dimensions, bucket, measures, source: planSource(ctx.organizationId, filter, { dimensions, bucket, measures }, preaggregated) };
      const fields = selectedFields(info, 'StepStatsConnection');
      const readsGroups = fields.has('nodes') || fields.has('edges') || fields.has('pageInfo');
      const rows = readsGroups ? await statsPage(ctx.db, request, { limit: first, after }) : [];
      const groups = rows.slice(0, first).map((row) => ({
        value: { row, summaries: request.measures.summaries },
        cursor: () => ctx.cursors.encodeKey(list, groupKeyOf(row, request)),
      }));
      let total: Promise<StatsValue> | undefined;
      return {
        groups,
        pageInfo: {
          hasNextPage: rows.length > first,
          hasPreviousPage: after !== null,
          startCursor: () => groups[0]?.cursor() ?? null,
          endCursor: () => groups.at(-1)?.cursor() ?? null,
        },
        total: () =>
          (total ??= (async () => {
            const totals = measuresSelected(info, [['total']]);
            const plan = { dimensions: [], bucket: null, measures: totals };
            const [row] = await statsPage(ctx.db, { ...plan, where, source: planSource(ctx.organizationId, filter, plan, preaggregated) }, { limit: 1, after: null });
            return { row: row!, summaries: totals.summaries };
          })()),
      };
    },
  }),
}));
