import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { createLogger } from '../src/logger.ts';
import { spanStart } from '../src/schema/step-filter.ts';
import { createStatsMaintainer, type StatsMaintainer } from '../src/stats.ts';
import { STOP_REASON } from '../src/letta/enums.ts';
import { createTenant, insertMetrics, insertStep } from './helpers/factories.ts';
import { createTestGateway, type GraphQLResponse, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';

/**
 * stepStats against a direct computation: the steps, metrics and feedback entries read with plain SQL, grouped
 * and measured here in TypeScript, compared with every measure the gateway returns, for each grouping.
 */

let t: TestGateway;
/** The same database behind a gateway that keeps pre-aggregated statistics (brought up to date by the tests). */
let pre: TestGateway;
let maintainer: StatsMaintainer;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

/** Across the night Paris moves its clocks forward (2026-03-29 01:00 UTC), and the days around it. */
const SEEDED_DAYS = ['2026-03-27T20:00:00Z', '2026-03-28T21:30:00Z', '2026-03-29T00:10:00Z', '2026-03-30T22:45:00Z', '2026-04-02T06:00:00Z'];
const RANGE = { createdAfter: '2026-03-01T00:00:00Z', createdBefore: '2026-05-01T00:00:00Z' };

const MEASURES = `
  count failedCount cancelledCount failureRate positiveFeedbackCount negativeFeedbackCount feedbackCount
  promptTokens { sum mean count } completionTokens { sum mean count } totalTokens { sum mean count }
  cachedInputTokens { sum mean count } cacheWriteTokens { sum mean count } reasoningTokens { sum mean count }
  stepMs { p50 p90 p95 p99 max mean count } llmRequestMs { p50 p90 p95 p99 max mean count } toolExecutionMs { p50 p90 p95 p99 max mean count }
  overall: feedbackSummary(name: "overall") { count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount }
  tone: feedbackSummary(name: "tone") { count meanScore }
  allCriteria: feedbackSummary { count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount }`;

/** What the rollups hold: counts and tokens. */
const ROLLUP_MEASURES = `
  count failedCount cancelledCount failureRate positiveFeedbackCount negativeFeedbackCount feedbackCount
  promptTokens { sum mean count } completionTokens { sum mean count } totalTokens { sum mean count }
  cachedInputTokens { sum mean count } cacheWriteTokens { sum mean count } reasoningTokens { sum mean count }`;

const statsQuery = (measures: string) => `query Stats($filter: StepFilter, $groupBy: [StepStatsDimension!], $bucket: StepStatsBucket, $first: Int, $after: String) {
  stepStats(filter: $filter, groupBy: $groupBy, bucket: $bucket, first: $first, after: $after) {
    edges { cursor node { bucket agentId model modelHandle providerName status stopReason runId projectId feedback stats { ${measures} } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    total { ${measures} }
  }
}`;
const STATS = statsQuery(MEASURES);

interface StepFact {
  created_at: Date | null;
  agent_id: string | null;
  model: string | null;
  model_handle: string | null;
  provider_name: string | null;
  status: string | null;
  stop_reason: string | null;
  run_id: string | null;
  project_id: string | null;
  feedback: string | null;
  id: string;
  [token: string]: unknown;
}

interface Entry {
  step_id: string;
  name: string;
  score: number | null;
  comment: string | null;
}

const TOKENS = { promptTokens: 'prompt_tokens', completionTokens: 'completion_tokens', totalTokens: 'total_tokens', cachedInputTokens: 'cached_input_tokens', cacheWriteTokens: 'cache_write_tokens', reasoningTokens: 'reasoning_tokens' };
const LATENCIES = { stepMs: 'step_ns', llmRequestMs: 'llm_request_ns', toolExecutionMs: 'tool_execution_ns' };
const DIMENSIONS: Record<string, { field: string; of: (step: StepFact) => string | null }> = {
  AGENT: { field: 'agentId', of: (s) => s.agent_id },
  MODEL: { field: 'model', of: (s) => s.model },
  MODEL_HANDLE: { field: 'modelHandle', of: (s) => s.model_handle },
  PROVIDER: { field: 'providerName', of: (s) => s.provider_name },
  STATUS: { field: 'status', of: (s) => s.status },
  STOP_REASON: { field: 'stopReason', of: (s) => Object.entries(STOP_REASON).find(([, [value]]) => value === s.stop_reason)?.[0] ?? null },
  RUN: { field: 'runId', of: (s) => s.run_id },
  PROJECT: { field: 'projectId', of: (s) => s.project_id },
  FEEDBACK: { field: 'feedback', of: (s) => (s.feedback === 'positive' || s.feedback === 'negative' ? s.feedback.toUpperCase() : null) },
};

async function facts(organizationId: string): Promise<{ steps: StepFact[]; entries: Entry[] }> {
  const steps = await t.db.sql.query<StepFact>(
    `SELECT s.*, sm.step_ns::float8 AS step_ns, sm.llm_request_ns::float8 AS llm_request_ns, sm.tool_execution_ns::float8 AS tool_execution_ns
       FROM steps s LEFT JOIN step_metrics sm ON sm.id = s.id AND NOT sm.is_deleted
      WHERE s.organization_id = $1 AND NOT s.is_deleted`,
    [organizationId],
  );
  const entries = await t.db.sql.query<Entry>(
    'SELECT step_id, name, score, comment FROM gateway_feedback_entries WHERE organization_id = $1 AND deleted_at IS NULL',
    [organizationId],
  );
  return { steps, entries };
}

/** The local calendar fields of an instant in a time zone. */
function local(at: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'weekday', string>;
}

/** A bucket named by its local calendar start: `2026-03-29`, `2026-03-29 14h`, the Monday of a week, `2026-03`. */
function bucketName(at: Date, unit: string, timeZone: string): string {
  const l = local(at, timeZone);
  if (unit === 'HOUR') return `${l.year}-${l.month}-${l.day} ${l.hour}h`;
  if (unit === 'MONTH') return `${l.year}-${l.month}`;
  if (unit === 'DAY') return `${l.year}-${l.month}-${l.day}`;
  // The Monday on or before the local date.
  const date = new Date(Date.UTC(Number(l.year), Number(l.month) - 1, Number(l.day)));
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

function summary(entries: Entry[]) {
  const scores = entries.map((e) => e.score).filter((score): score is number => score !== null);
  return {
    count: entries.length,
    scoredCount: scores.length,
    meanScore: mean(scores),
    minScore: scores.length ? Math.min(...scores) : null,
    maxScore: scores.length ? Math.max(...scores) : null,
    positiveCount: scores.filter((s) => s > 0).length,
    negativeCount: scores.filter((s) => s < 0).length,
    withCommentCount: entries.filter((e) => e.comment !== null).length,
  };
}

function measures(steps: StepFact[], entries: Entry[]) {
  const ids = new Set(steps.map((s) => s.id));
  const own = entries.filter((e) => ids.has(e.step_id));
  const count = steps.length;
  const failed = steps.filter((s) => s.status === 'FAILED').length;
  const result: Record<string, unknown> = {
    count,
    failedCount: failed,
    cancelledCount: steps.filter((s) => s.status === 'CANCELLED').length,
    failureRate: count === 0 ? null : failed / count,
    positiveFeedbackCount: steps.filter((s) => s.feedback === 'positive').length,
    negativeFeedbackCount: steps.filter((s) => s.feedback === 'negative').length,
    feedbackCount: steps.filter((s) => s.feedback === 'positive' || s.feedback === 'negative').length,
    overall: summary(own.filter((e) => e.name === 'overall')),
    tone: (({ count, meanScore }) => ({ count, meanScore }))(summary(own.filter((e) => e.name === 'tone'))),
    allCriteria: summary(own),
  };
  for (const [measure, column] of Object.entries(TOKENS)) {
    const values = steps.map((s) => s[column]).filter((v): v is number => v !== null).map(Number);
    result[measure] = { sum: values.reduce((a, b) => a + b, 0), mean: mean(values), count: values.length };
  }
  for (const [measure, column] of Object.entries(LATENCIES)) {
    const values = steps.map((s) => s[column]).filter((v): v is number => v !== null).map((ns) => Number(ns) / 1e6).sort((a, b) => a - b);
    result[measure] = {
      p50: percentile(values, 0.5),
      p90: percentile(values, 0.9),
      p95: percentile(values, 0.95),
      p99: percentile(values, 0.99),
      max: values.length ? values.at(-1) : null,
      mean: mean(values),
      count: values.length,
    };
  }
  return result;
}

/** Numbers compared to 9 significant digits (sums and means go through float8 in Postgres). */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} ≠ ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 1e-9 + 1e-9);
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual, path).toBeTypeOf('object');
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** Every group of a grouping, read page by page. */
async function allGroups(gateway: TestGateway, query: string, variables: Record<string, unknown>, pageSize: number) {
  const groups: any[] = [];
  let after: string | null = null;
  let total: unknown;
  for (let pages = 0; pages < 200; pages++) {
    const response: GraphQLResponse = await gateway.graphql(tenant.key, query, { ...variables, first: pageSize, after });
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    const connection: any = response.body.data.stepStats;
    groups.push(...connection.edges.map((edge: any) => edge.node));
    total = connection.total;
    expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!connection.pageInfo.hasNextPage) return { groups, total };
    after = connection.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

interface Comparison {
  gateway?: TestGateway;
  /** Counts and tokens only (what rollups hold), rather than every measure. */
  rollupMeasures?: boolean;
  pageSize?: number;
}

/** Only the measures a query selects, of those computed here. */
function selected(expected: Record<string, unknown>, rollupMeasures: boolean) {
  if (!rollupMeasures) return expected;
  const names = new Set(ROLLUP_MEASURES.split(/[\s{}]+/));
  return Object.fromEntries(Object.entries(expected).filter(([name]) => names.has(name)));
}

async function compare(
  variables: { groupBy?: readonly string[]; bucket?: { unit: string; timeZone?: string }; filter?: Record<string, unknown> },
  keep: (step: StepFact) => boolean = () => true,
  { gateway = t, rollupMeasures = false, pageSize = 7 }: Comparison = {},
) {
  const { steps, entries } = await facts(tenant.organizationId);
  const kept = steps.filter(keep);
  const dimensions = variables.groupBy ?? [];
  const timeZone = variables.bucket?.timeZone ?? 'UTC';
  const nameOf = (step: StepFact) =>
    JSON.stringify([
      ...(variables.bucket ? [step.created_at === null ? null : bucketName(step.created_at, variables.bucket.unit, timeZone)] : []),
      ...dimensions.map((dimension) => DIMENSIONS[dimension]!.of(step)),
    ]);
  const expected = new Map<string, StepFact[]>();
  for (const step of kept) expected.set(nameOf(step), [...(expected.get(nameOf(step)) ?? []), step]);

  const { groups, total } = await allGroups(gateway, rollupMeasures ? statsQuery(ROLLUP_MEASURES) : STATS, variables, pageSize);
  const names = groups.map((group) => {
    const at = group.bucket === null ? null : new Date(group.bucket);
    if (variables.bucket && at !== null) {
      // A bucket starts at local midnight (or the local hour).
      const l = local(at, timeZone);
      expect(`${l.minute}:${l.second}`).toBe('00:00');
      if (variables.bucket.unit !== 'HOUR') expect(l.hour).toBe('00');
      if (variables.bucket.unit === 'WEEK') expect(l.weekday).toBe('Mon');
      if (variables.bucket.unit === 'MONTH') expect(l.day).toBe('01');
    }
    return JSON.stringify([
      ...(variables.bucket ? [at === null ? null : bucketName(at, variables.bucket.unit, timeZone)] : []),
      ...dimensions.map((dimension) => group[DIMENSIONS[dimension]!.field]),
    ]);
  });
  expect(new Set(names).size, 'each group once').toBe(names.length);
  expect([...names].sort()).toEqual([...expected.keys()].sort());
  for (const [index, group] of groups.entries()) {
    for (const [dimension, { field }] of Object.entries(DIMENSIONS)) if (!dimensions.includes(dimension)) expect(group[field], field).toBeNull();
    expectClose(group.stats, selected(measures(expected.get(names[index]!)!, entries), rollupMeasures), names[index]!);
  }
  expectClose(total, selected(measures(kept, entries), rollupMeasures), 'total');
  return { groups, names };
}

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
  for (const organization of [tenant, other]) {
    for (const [index, start] of SEEDED_DAYS.entries()) {
      await seed(t.db.sql, { organizationId: organization.organizationId, steps: 60, seed: 100 + index, start: new Date(start) });
    }
  }
  // What seeding does not write: steps without tokens, without metrics, with an unknown stop reason, deleted,
  // and one without a creation time.
  const org = tenant.organizationId;
  const noTokens = await insertStep(t.db, org, { agent_id: 'agent-edge', model: 'edge-model', created_at: '2026-03-29T00:30:00Z', status: 'FAILED', stop_reason: 'error' });
  await insertMetrics(t.db, noTokens, { step_ns: 5_000_000, llm_request_ns: null, tool_execution_ns: null });
  await insertStep(t.db, org, { agent_id: 'agent-edge', model: 'edge-model', created_at: '2026-03-29T01:30:00Z', prompt_tokens: 10, cached_input_tokens: null, reasoning_tokens: null, stop_reason: 'made_up_reason', feedback: 'positive' });
  await insertStep(t.db, org, { agent_id: 'agent-edge', model: 'edge-model', created_at: '2026-03-29T02:00:00Z', prompt_tokens: 1_000_000, is_deleted: true });
  await insertStep(t.db, org, { agent_id: 'agent-edge', model: null, created_at: '2026-03-30T12:00:00Z', status: 'CANCELLED' });
  await insertStep(t.db, org, { agent_id: 'agent-undated', created_at: null, prompt_tokens: 7 });
  // Another organization's step under the same agent id counts for it alone.
  await insertStep(t.db, other.organizationId, { agent_id: 'agent-edge', model: 'edge-model', created_at: '2026-03-29T00:45:00Z', prompt_tokens: 999 });
  // A step of no organization (visible to no request) has no fact, and does not stop the build.
  await insertStep(t.db, tenant.organizationId, { id: 'step-of-no-organization', organization_id: null, created_at: '2026-03-29T00:30:00Z' });
  // Built from all of it, and read as fresh for the whole file (the tests here change no step they compare).
  // A second replica that found them unbuilt at the same moment leaves the build to the first.
  maintainer = createStatsMaintainer(t.db, createLogger('silent'), { intervalMs: 0, freshMs: 3_600_000 });
  const replica = createStatsMaintainer(t.db, createLogger('silent'), { intervalMs: 0 });
  expect((await Promise.all([maintainer.refresh(), replica.refresh()])).filter((outcome) => outcome === 'built')).toEqual(['built']);
  expect(await maintainer.refresh()).toBe('refreshed');
  pre = await createTestGateway({ database: t.database, stats: maintainer });
}, 120_000);
// The two gateways share the database, which the first one drops.
afterAll(() => t.close());

describe.each(['steps', 'pre-aggregated'] as const)('stepStats measures from %s, against a direct computation', (mode) => {
  const on = () => (mode === 'steps' ? t : pre);

  it('the whole filter, as one group and as the total', async () => {
    const { result: { groups }, statements } = await on().statements(() => compare({ filter: RANGE }, (s) => s.created_at !== null, { gateway: on() }));
    expect(groups).toHaveLength(1);
    // Durations and feedback summaries come from the facts, where there are any.
    const reads = statements.filter((sql) => sql.includes('WITH g AS'));
    expect(reads).toHaveLength(2);
    for (const sql of reads) expect(/FROM gateway_step_facts s/.test(sql)).toBe(mode === 'pre-aggregated');
  });

  it('by day in Paris across its change to summer time: a 23-hour day, days from local midnight', async () => {
    const { groups } = await compare({ filter: RANGE, bucket: { unit: 'DAY', timeZone: 'Europe/Paris' } }, (s) => s.created_at !== null, { gateway: on(), pageSize: 2 });
    const starts = groups.map((group) => group.bucket);
    expect(starts).toContain('2026-03-28T23:00:00.000000Z');
    expect(starts).toContain('2026-03-29T22:00:00.000000Z');
  });

  it.each([
    [['MODEL'], { unit: 'DAY' }],
    [['AGENT', 'STATUS'], { unit: 'HOUR' }, { createdAfter: '2026-03-27T00:00:00Z', createdBefore: '2026-04-03T00:00:00Z' }],
    [['STOP_REASON', 'FEEDBACK'], { unit: 'WEEK', timeZone: 'America/New_York' }],
    [['MODEL_HANDLE', 'PROVIDER', 'PROJECT'], { unit: 'MONTH', timeZone: 'Asia/Kolkata' }],
    [['RUN'], undefined],
  ])('grouped by %j, bucket %j', async (groupBy, bucket, range = RANGE) => {
    await compare({ filter: range, groupBy, ...(bucket ? { bucket } : {}) }, (s) => s.created_at !== null && s.created_at >= new Date(range.createdAfter) && s.created_at < new Date(range.createdBefore), { gateway: on(), pageSize: 25 });
  });

  it('without a range: the undated steps are a group of their own, after the dated ones', async () => {
    const { names } = await compare({ bucket: { unit: 'DAY' }, groupBy: ['AGENT'] }, () => true, { gateway: on(), pageSize: 11 });
    expect(names.at(-1)).toBe(JSON.stringify([null, 'agent-undated']));
  });

  it('with the filter of steps: an agent, a status, a feedback criterion', async () => {
    const { steps, entries } = await facts(tenant.organizationId);
    const agent = steps.find((s) => s.agent_id?.startsWith('agent-') && s.agent_id !== 'agent-edge')!.agent_id!;
    await compare({ filter: { ...RANGE, agentId: agent }, groupBy: ['MODEL'] }, (s) => s.created_at !== null && s.agent_id === agent, { gateway: on() });
    await compare({ filter: { ...RANGE, status: 'FAILED' }, groupBy: ['AGENT'], bucket: { unit: 'DAY' } }, (s) => s.created_at !== null && s.status === 'FAILED', { gateway: on() });
    const toned = new Set(entries.filter((e) => e.name === 'tone' && e.score !== null && e.score >= 0.5).map((e) => e.step_id));
    expect(toned.size).toBeGreaterThan(0);
    await compare({ filter: { ...RANGE, feedbackName: 'tone', minScore: 0.5 }, groupBy: ['FEEDBACK'] }, (s) => s.created_at !== null && toned.has(s.id), { gateway: on() });
  });

  it('a filter that keeps nothing: no groups, a total of zeros and nulls', async () => {
    const response = await on().graphql(tenant.key, STATS, { filter: { ...RANGE, agentId: 'agent-nobody' }, groupBy: ['MODEL'] });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.stepStats.edges).toEqual([]);
    expect(response.body.data.stepStats.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
    expectClose(response.body.data.stepStats.total, measures([], []), 'total');
    // Counts and tokens alone, over a month without steps (from the rollups, where they are kept).
    const { result, statements } = await on().statements(() =>
      on().graphql(tenant.key, `{ stepStats(filter: { createdAfter: "2020-01-01T00:00:00Z", createdBefore: "2020-02-01T00:00:00Z" }, bucket: { unit: DAY }) {
        nodes { bucket } total { count failureRate totalTokens { sum mean count } } } }`),
    );
    expect(result.body).toEqual({ data: { stepStats: { nodes: [], total: { count: 0, failureRate: null, totalTokens: { sum: 0, mean: null, count: 0 } } } } });
    expect(statements.some((sql) => sql.includes('gateway_step_rollups'))).toBe(mode === 'pre-aggregated');
  });

  it("never counts another organization's steps, even under its agent's id", async () => {
    const response = await on().graphql(tenant.key, `{ stepStats(filter: { agentId: "agent-edge" }) { total { count promptTokens { sum } } } }`);
    const { steps } = await facts(tenant.organizationId);
    const edge = steps.filter((s) => s.agent_id === 'agent-edge');
    expect(response.body.data.stepStats.total).toEqual({ count: edge.length, promptTokens: { sum: 10 } });
    const theirs = await on().graphql(other.key, `{ stepStats(filter: { agentId: "agent-edge" }) { total { count promptTokens { sum } } } }`);
    expect(theirs.body.data.stepStats.total).toEqual({ count: 1, promptTokens: { sum: 999 } });
  });

  it.each([
    ['the whole range by day', { bucket: { unit: 'DAY' } }],
    ['by model, by day in Paris', { groupBy: ['MODEL'], bucket: { unit: 'DAY', timeZone: 'Europe/Paris' } }],
    ['by status, filtered on it', { groupBy: ['STATUS'], filter: { status: 'FAILED' } }],
    ['one agent by hour', { bucket: { unit: 'HOUR' }, filter: { agentId: 'agent-edge' } }],
    ['by stop reason, unknown ones with none', { groupBy: ['STOP_REASON'], bucket: { unit: 'WEEK' } }],
  ] as const)('counts and tokens, %s, in a range that starts and ends within hours', async (_name, variables) => {
    const range = { createdAfter: '2026-03-28T21:47:13.500001Z', createdBefore: '2026-03-30T23:12:00Z' };
    const filter = { ...range, ...('filter' in variables ? variables.filter : {}) };
    const { steps } = await facts(tenant.organizationId);
    const agent = 'filter' in variables && 'agentId' in variables.filter ? variables.filter.agentId : undefined;
    const status = 'filter' in variables && 'status' in variables.filter ? variables.filter.status : undefined;
    const keep = (s: StepFact) =>
      s.created_at !== null && s.created_at > new Date(range.createdAfter) && s.created_at < new Date(range.createdBefore) &&
      (agent === undefined || s.agent_id === agent) && (status === undefined || s.status === status);
    expect(steps.filter(keep).length).toBeGreaterThan(0);
    const { statements } = await on().statements(() => compare({ ...variables, filter }, keep, { gateway: on(), rollupMeasures: true, pageSize: 9 }));
    const reads = statements.filter((sql) => sql.includes('stepStats') || sql.includes('WITH g AS'));
    expect(reads.length).toBeGreaterThan(0);
    for (const sql of reads) expect(sql.includes('gateway_step_rollups')).toBe(mode === 'pre-aggregated');
  });
});

describe('stepStats reads what it is asked for', () => {
  it('one statement for a page of groups; the total only when selected; metrics and entries only for their measures', async () => {
    const counted = await t.queryStatements(tenant.key, `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [MODEL]) { nodes { model stats { count totalTokens { sum } } } } }`);
    const reads = counted.statements.filter((sql) => !sql.includes('gateway_api_keys'));
    expect(reads).toHaveLength(1);
    expect(reads[0]).not.toMatch(/step_metrics|percentile_cont|gateway_feedback_entries|completion_tokens/);
    const latency = await t.queryStatements(tenant.key, `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }) { total { stepMs { p95 } } nodes { stats { count } } } }`);
    const latencyReads = latency.statements.filter((sql) => !sql.includes('gateway_api_keys'));
    expect(latencyReads).toHaveLength(2);
    expect(latencyReads.filter((sql) => sql.includes('percentile_cont(0.95)'))).toHaveLength(1);
    expect(latencyReads.join('\n')).not.toMatch(/percentile_cont\(0\.5\)/);
    const totalOnly = await t.queryStatements(tenant.key, `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [AGENT]) { total { count } } }`);
    expect(totalOnly.statements.filter((sql) => !sql.includes('gateway_api_keys'))).toHaveLength(1);
  });

  it('createdInLast counts calendar months back to the same day, or the last day of a shorter month', () => {
    expect(spanStart(1, 'MONTH', new Date('2026-03-31T12:00:00Z'))).toBe('2026-02-28T12:00:00.000000Z');
    expect(spanStart(13, 'MONTH', new Date('2026-03-31T12:00:00Z'))).toBe('2025-02-28T12:00:00.000000Z');
    expect(spanStart(2, 'MONTH', new Date('2026-12-31T00:00:00Z'))).toBe('2026-10-31T00:00:00.000000Z');
    expect(spanStart(2, 'WEEK', new Date('2026-12-31T00:00:00Z'))).toBe('2026-12-17T00:00:00.000000Z');
  });

  it('a range at the end of time, from the rollups: an answer, not a failure', async () => {
    const response = await pre.graphql(tenant.key, `{ stepStats(filter: { createdAfter: "9999-12-31T23:30:00Z" }) { total { count } } }`);
    expect(response.body).toEqual({ data: { stepStats: { total: { count: 0 } } } });
  });

  it('createdInLast counts back from now', async () => {
    const recent = await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-recent', created_at: new Date(Date.now() - 3_600_000).toISOString() });
    await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-recent', created_at: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    const response = await t.graphql(tenant.key, `{ stepStats(filter: { agentId: "agent-recent", createdInLast: { amount: 1, unit: DAY } }) { total { count } } }`);
    expect(response.body.data.stepStats.total.count).toBe(1);
    await t.db.sql.query('DELETE FROM steps WHERE agent_id = $1', ['agent-recent']);
    expect(recent).toMatch(/^step-/);
  });
});

describe('stepStats bounds: BAD_USER_INPUT naming the limit, before any SQL', () => {
  const refused = async (query: string, field: string, message: RegExp) => {
    const { result, statements } = await t.statements(() => t.graphql(tenant.key, query));
    expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.body.errors![0]!.extensions!.field).toBe(field);
    expect(result.body.errors![0]!.message).toMatch(message);
    expect(result.body.data).toBeNull();
    return statements.filter((sql) => !sql.includes('gateway_api_keys'));
  };

  it('a range of more than 400 days', async () => {
    const reads = await refused(`{ stepStats(filter: { createdAfter: "2025-01-01T00:00:00Z", createdBefore: "2026-03-01T00:00:00Z" }) { total { count } } }`, 'filter.createdAfter', /at most 400 days/);
    expect(reads).toEqual([]);
  });

  it('no createdAfter where the organization’s steps span more than 400 days', async () => {
    const old = await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-old', created_at: '2024-01-01T00:00:00Z' });
    try {
      await refused(`{ stepStats { total { count } } }`, 'filter.createdAfter', /set "filter.createdAfter"/);
    } finally {
      await t.db.sql.query('DELETE FROM steps WHERE id = $1', [old]);
    }
  });

  it('more than 1,000 buckets', async () => {
    const reads = await refused(
      `{ stepStats(filter: { createdAfter: "2026-01-01T00:00:00Z", createdBefore: "2026-03-01T00:00:00Z" }, bucket: { unit: HOUR }) { nodes { bucket } } }`,
      'bucket.unit',
      /at most 1,000 buckets/,
    );
    expect(reads).toEqual([]);
  });

  it('a page of more than 1,000 groups, a time zone that is not an IANA name, both createdAfter and createdInLast', async () => {
    await refused(`{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [RUN], first: 1001) { nodes { runId } } }`, 'first', /between 0 and 1000/);
    for (const zone of ['+05:30', 'UTC+5', 'Mars/Olympus_Mons', "Europe/Paris'; DROP TABLE steps; --"]) {
      await refused(`{ stepStats(bucket: { unit: DAY, timeZone: ${JSON.stringify(zone)} }) { nodes { bucket } } }`, 'bucket.timeZone', /IANA time zone/);
    }
    await refused(
      `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z", createdInLast: { amount: 3, unit: DAY } }) { total { count } } }`,
      'filter.createdInLast',
      /either/,
    );
  });

  it('a cursor of another grouping, or one made up', async () => {
    const page = await t.graphql(tenant.key, `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [MODEL], first: 1) { pageInfo { endCursor } } }`);
    const cursor = page.body.data.stepStats.pageInfo.endCursor as string;
    await refused(`{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [AGENT], after: ${JSON.stringify(cursor)}) { nodes { agentId } } }`, 'after', /another list/);
    await refused(`{ stepStats(groupBy: [MODEL], after: "bm90IGEgY3Vyc29y.xxxxxxxxxxxxxxxxxxxxxx") { nodes { model } } }`, 'after', /not a cursor/);
  });

  it('the cost limit counts the groups a page may hold', async () => {
    const response = await t.graphql(
      tenant.key,
      `{ stepStats(filter: { createdAfter: "2026-03-01T00:00:00Z" }, groupBy: [RUN], first: 1000) { nodes { runId stats { ${MEASURES} } } } }`,
    );
    expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

