/**
 * Query plans of the step list at scale: for every filter of `StepFilter` (and the benchmark's combined
 * filter), the plan Postgres chooses for the gateway's own page statement and count statement, built by the
 * same functions the gateway uses, run with EXPLAIN ANALYZE. A plan that reads `steps` or the feedback
 * entries sequentially fails the target.
 */
import type { Prisma } from '../../prisma/generated/client/client.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { stepConditions, stepCountSql, stepPageSql, type StepFilterValues } from '../../src/db/step-queries.ts';

export interface PlanEntry {
  filter: string;
  statement: 'page' | 'count';
  executionMs: number;
  sequentialScan: boolean;
  plan: string;
}

export interface PlanReport {
  steps: number;
  organizationSteps: number;
  entries: PlanEntry[];
}

export async function recordPlans(url: string, organizationId: string): Promise<PlanReport> {
  const db = openPostgres({ url, poolMax: 1, connectionTimeoutMs: 10_000, statementTimeoutMs: 600_000 });
  try {
    const one = async <Row>(text: string, params: unknown[] = []) => (await db.sql.query<Row>(text, params))[0]!;
    const sample = await one<{ agent_id: string; run_id: string; trace_ids: string[]; day: Date }>(
      `SELECT agent_id, run_id, (SELECT array_agg(trace_id) FROM (SELECT trace_id FROM steps WHERE organization_id = $1 LIMIT 3) t) AS trace_ids,
              created_at AS day
         FROM steps WHERE organization_id = $1 ORDER BY created_at OFFSET 300000 LIMIT 1`,
      [organizationId],
    );
    const dayAfter = new Date(sample.day.getTime() + 86_400_000).toISOString();
    const filters: [string, StepFilterValues][] = [
      ['none', {}],
      ['agentId', { agentId: sample.agent_id }],
      ['runId', { runId: sample.run_id }],
      ['model', { model: 'gpt-5' }],
      ['modelHandle', { modelHandle: 'google_ai/gemini-2.5-flash' }],
      ['providerName', { providerName: 'anthropic' }],
      ['projectId', { projectId: 'project-default' }],
      ['status', { status: 'FAILED' }],
      ['stopReason', { stopReason: 'insufficient_credits' }],
      ['feedback', { feedback: 'negative' }],
      ['hasFeedback: true', { hasFeedback: true }],
      ['hasFeedback: false', { hasFeedback: false }],
      ['tags', { tags: ['regression'] }],
      ['traceIds', { traceIds: sample.trace_ids }],
      ['createdAfter + createdBefore (one day)', { createdAfter: sample.day.toISOString(), createdBefore: dayAfter }],
      ['feedbackName', { feedbackName: 'tone' }],
      ['minScore', { minScore: 0.95 }],
      ['feedbackName + maxScore', { feedbackName: 'accuracy', maxScore: -0.8 }],
      ['hasComment (helpfulness)', { feedbackName: 'helpfulness', hasComment: true }],
      ['submittedBy', { submittedBy: 'reviewer-chen' }],
      [
        'scenario 4: agent, date range, tag, feedback',
        { agentId: sample.agent_id, createdAfter: sample.day.toISOString(), createdBefore: new Date(sample.day.getTime() + 30 * 86_400_000).toISOString(), tags: ['regression'], feedback: 'negative' },
      ],
    ];
    const explain = async (sql: Prisma.Sql) => {
      const rows = await db.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql.text}`, sql.values);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    const entries: PlanEntry[] = [];
    for (const [name, filter] of filters) {
      const where = stepConditions(organizationId, filter);
      for (const [statement, sql] of [
        ['page', stepPageSql(where, { limit: 50, backward: false }, true)],
        ['count', stepCountSql(organizationId, filter)],
      ] as const) {
        // Twice: the first run warms the cache, the second is the one recorded.
        await explain(sql);
        const plan = await explain(sql);
        entries.push({
          filter: name,
          statement,
          executionMs: Number(plan.match(/Execution Time: ([\d.]+) ms/)?.[1] ?? NaN),
          sequentialScan: /Seq Scan on (steps|gateway_feedback_entries)\b/.test(plan),
          plan,
        });
      }
    }
    const counts = await one<{ steps: number; organization: number }>(
      `SELECT (SELECT count(*)::int FROM steps) AS steps, (SELECT count(*)::int FROM steps WHERE organization_id = $1) AS organization`,
      [organizationId],
    );
    return { steps: counts.steps, organizationSteps: counts.organization, entries };
  } finally {
    await db.close();
  }
}
