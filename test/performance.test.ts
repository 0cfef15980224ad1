import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { STEP_COUNT_LIMIT, stepConditions, stepCountSql, stepPageSql, type StepFilterValues } from '../src/db/step-queries.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';

/**
 * The shape of the work behind a query, which the benchmark's figures rest on: which columns are read, how
 * many rows a count may read, and which indexes serve the filters. (Speed itself is measured by `npm run bench`, not here.)
 */

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Perf');
  await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 60, seed: 5 });
});
afterAll(() => t.close());

const HEAVY_COLUMNS = ['request_json', 'response_json', 'llm_config', 'compaction_settings', '"content"', 'tool_calls', 'tool_returns', 'approvals', 'error_data'];

const statementsOf = (query: string, variables: Record<string, unknown> = {}) => t.queryStatements(tenant.key, query, variables);

describe('what a query reads', () => {
  it('reads no heavy JSON column that the query does not select', async () => {
    const { body, statements } = await statementsOf(`{
      steps(first: 20) { nodes { id model status trace { id callType } metrics { stepNs } messages(first: 5) { nodes { id role } } } }
    }`);
    expect(body.data.steps.nodes.some((step: any) => step.trace !== null)).toBe(true);
    const sql = statements.join('\n');
    for (const column of HEAVY_COLUMNS) expect(sql, column).not.toContain(column);
  });

  it('reads each heavy column once the query selects it, in the same number of statements', async () => {
    const light = await statementsOf(`{ steps(first: 5) { nodes { id trace { id } messages(first: 5) { nodes { id } } } } }`);
    const heavy = await statementsOf(`{ steps(first: 5) { nodes { id errorData trace { requestJson responseJson llmConfig }
      messages(first: 5) { nodes { content { __typename } toolCalls { id } toolReturns { status } approvals { __typename } } } } } }`);
    expect(heavy.statements).toHaveLength(light.statements.length);
    const sql = heavy.statements.join('\n');
    for (const column of ['request_json', 'response_json', 'llm_config', '"content"', 'tool_calls', 'tool_returns', 'approvals', 'error_data']) {
      expect(sql, column).toContain(column);
    }
  });

  it('reads a step by id with its trace JSON only when asked, and answers message.step from the page it read', async () => {
    const [traced] = await t.db.sql.query<{ id: string }>('SELECT step_id AS id FROM provider_traces WHERE organization_id = $1 LIMIT 1', [tenant.organizationId]);
    const id = traced!.id;
    const light = await statementsOf(`query($id: ID!) { step(id: $id) { id model trace { id callType } } }`, { id });
    expect(light.statements.join('\n')).not.toContain('request_json');
    const heavy = await statementsOf(`query($id: ID!) { step(id: $id) { id trace { requestJson } } }`, { id });
    expect(heavy.body.data.step.trace.requestJson).toMatchObject({ model: expect.any(String) });
    expect(heavy.statements.join('\n')).toContain('request_json');

    // The messages' step is the page's own row: no statement for it, though it selects a field the page did not.
    const page = await statementsOf(`{ steps(first: 3) { nodes { id messages(first: 2) { nodes { step { id } } } } } }`);
    expect(page.statements).toHaveLength(3);
    const more = await statementsOf(`{ steps(first: 3) { nodes { id messages(first: 2) { nodes { step { id model } } } } } }`);
    expect(more.statements).toHaveLength(4);
    expect(more.body.data.steps.nodes[0].messages.nodes[0].step.model).toEqual(expect.any(String));
  });
});

describe('pages shared between fields', () => {
  it('gives the same backward page to two fields that ask for it, both in list order', async () => {
    const { body } = await statementsOf(`{ steps(first: 5) { nodes { id
      a: messages(last: 20) { nodes { id createdAt } } b: messages(last: 20) { nodes { id createdAt } } } } }`);
    for (const step of body.data.steps.nodes) {
      expect(step.b.nodes).toEqual(step.a.nodes);
      const times = step.a.nodes.map((message: { createdAt: string }) => message.createdAt);
      expect(times).toEqual([...times].sort());
    }
  });
});

describe('totalCount', () => {
  it('is the only statement of a query that reads no page, of steps or of messages', async () => {
    const count = await statementsOf(`{ steps(first: 0, filter: { status: SUCCESS }) { totalCount } }`);
    expect(count.statements.filter((sql) => !sql.includes('gateway_api_keys'))).toEqual([expect.stringMatching(/count\(\*\)/)]);
    const nested = await statementsOf(`{ steps(first: 5) { nodes { id messages { totalCount } } } }`);
    const read = nested.statements.filter((sql) => !sql.includes('gateway_api_keys'));
    expect(read).toHaveLength(2);
    expect(read[1]).toMatch(/count\(\*\)/);
  });

  it(`is exact up to ${STEP_COUNT_LIMIT.toLocaleString('en-US')} and stops counting past it`, async () => {
    const big = await createTenant(t.db, 'Big');
    await seed(t.db.sql, { organizationId: big.organizationId, steps: STEP_COUNT_LIMIT + 25, seed: 9, stepsOnly: true, batchSize: 5000 });
    const [agent] = await t.db.sql.query<{ agent_id: string; n: number }>(
      'SELECT agent_id, count(*)::int AS n FROM steps WHERE organization_id = $1 GROUP BY agent_id ORDER BY agent_id LIMIT 1',
      [big.organizationId],
    );
    const { result, statements } = await t.statements(() =>
      t.graphql(
        big.key,
        `query($agent: String) { all: steps(first: 1) { totalCount totalCountIsExact } one: steps(first: 1, filter: { agentId: $agent }) { totalCount totalCountIsExact } }`,
        { agent: agent!.agent_id },
      ),
    );
    expect(result.body.data).toEqual({
      all: { totalCount: STEP_COUNT_LIMIT, totalCountIsExact: false },
      one: { totalCount: agent!.n, totalCountIsExact: true },
    });
    // Each count reads at most one row past the limit; selecting both fields counts once.
    const counts = statements.filter((sql) => /count\(\*\)/.test(sql));
    expect(counts).toHaveLength(2);
    for (const sql of counts) expect(sql).toMatch(/LIMIT \$\d+/);
  });
});

describe.runIf(onPostgres)(`indexes ${NEEDS_POSTGRES}`, () => {
  it('serve every filter of StepFilter, for a page and for a count, without reading steps sequentially', async () => {
    const [sample] = await t.db.sql.query<{ agent_id: string; run_id: string; trace_id: string }>(
      'SELECT agent_id, run_id, trace_id FROM steps WHERE organization_id = $1 LIMIT 1',
      [tenant.organizationId],
    );
    // Each filter, and the index that narrows a count to the steps that match it.
    const filters: [StepFilterValues, string][] = [
      [{ agentId: sample!.agent_id }, 'org_agent_created_at_id'],
      [{ runId: sample!.run_id }, 'org_run_created_at_id'],
      [{ model: 'gpt-5' }, 'org_model_created_at_id'],
      [{ modelHandle: 'openai/gpt-5' }, 'org_model_handle_created_at_id'],
      [{ providerName: 'openai' }, 'org_provider_created_at_id'],
      [{ projectId: 'project-default' }, 'org_project_created_at_id'],
      [{ status: 'FAILED' }, 'org_status_created_at_id'],
      [{ stopReason: 'end_turn' }, 'org_stop_reason_created_at_id'],
      [{ feedback: 'negative' }, 'org_feedback_created_at_id'],
      [{ hasFeedback: true }, 'with_feedback_org_created_at_id'],
      [{ hasFeedback: false }, 'org_feedback_created_at_id'],
      [{ traceIds: [sample!.trace_id] }, 'org_trace_id'],
      [{ createdAfter: '2025-11-01T00:00:00.000000Z', createdBefore: '2025-11-02T00:00:00.000000Z' }, 'org_created_at_id'],
    ];
    // Postgres prefers reading a small table whole; with sequential scans priced out, it picks the plan it
    // would pick at a million steps (BENCHMARKS.md shows those plans), and a plan that still reads steps
    // sequentially means no index can serve the filter.
    await t.db.sql.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_seqscan = off');
      const explain = async (statement: { text: string; values: unknown[] }) =>
        (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values)).map((row) => row['QUERY PLAN']).join('\n');
      for (const [filter, index] of filters) {
        const where = stepConditions(tenant.organizationId, filter);
        const page = await explain(stepPageSql(where, { limit: 50, backward: false }, true));
        expect(page, `${JSON.stringify(filter)}:\n${page}`).not.toMatch(/Seq Scan on steps/);
        const count = await explain(stepCountSql(tenant.organizationId, filter));
        expect(count, `${JSON.stringify(filter)}:\n${count}`).not.toMatch(/Seq Scan on steps/);
        expect(count, `${JSON.stringify(filter)}:\n${count}`).toContain(`gateway_ix_live_steps_${index}`);
      }
      // The feedback entry filters: no sequential read of the steps nor of the entries.
      for (const filter of [{ feedbackName: 'tone' }, { minScore: 0.9 }, { feedbackName: 'accuracy', maxScore: -0.5 }, { feedbackName: 'helpfulness', hasComment: true }, { submittedBy: 'reviewer-ana' }]) {
        for (const statement of [stepPageSql(stepConditions(tenant.organizationId, filter), { limit: 50, backward: false }, true), stepCountSql(tenant.organizationId, filter)]) {
          const plan = await explain(statement);
          expect(plan, `${JSON.stringify(filter)}:\n${plan}`).not.toMatch(/Seq Scan on (steps|gateway_feedback_entries)\b/);
        }
      }
      // Tags: within one organization of a few steps Postgres rightly reads the organization's index; what
      // must hold is that the filter's expression is the GIN index's, so that it can serve it where it pays.
      const where = stepConditions(tenant.organizationId, { tags: ['regression'] });
      for (const statement of [stepPageSql(where, { limit: 50, backward: false }, true), stepCountSql(tenant.organizationId, { tags: ['regression'] })]) {
        expect(await explain(statement)).not.toMatch(/Seq Scan on steps/);
      }
      await tx.exec('SET LOCAL enable_indexscan = off');
      await tx.exec('SET LOCAL enable_bitmapscan = on');
      const tagsOnly = await explain({ text: `SELECT 1 FROM steps s WHERE NOT s.is_deleted AND s.tags::jsonb @> $1::jsonb`, values: ['["regression"]'] });
      expect(tagsOnly).toContain('gateway_ix_live_steps_tags');
      expect(where.text).toContain('s.tags::jsonb @> $');
    });
  });
});
