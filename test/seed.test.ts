import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateBatch, seed } from '../src/db/seed.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Seeded');
  await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 400, seed: 3, batchSize: 150 });
});
afterAll(() => t.close());

describe('db:seed', () => {
  it('is deterministic: the same options give the same rows, whatever the batch size', () => {
    const options = { organizationId: 'org-x', steps: 30, seed: 9 };
    const whole = generateBatch(options, 0, 30);
    const parts = [generateBatch(options, 0, 12), generateBatch(options, 12, 30)];
    expect(parts.flatMap((part) => part.steps)).toEqual(whole.steps);
    expect(parts.flatMap((part) => part.messages)).toEqual(whole.messages);
    expect(generateBatch({ ...options, seed: 10 }, 0, 30).steps[0]!.id).not.toBe(whole.steps[0]!.id);
  });

  it('writes steps with every message role and content-part type, tool calls, returns, approvals, failures, traces and metrics', async () => {
    const [counts] = await t.db.sql.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM steps WHERE organization_id = $1) AS steps,
              (SELECT count(DISTINCT agent_id)::int FROM steps WHERE organization_id = $1) AS agents,
              (SELECT count(DISTINCT model)::int FROM steps WHERE organization_id = $1) AS models,
              (SELECT count(*)::int FROM steps WHERE organization_id = $1 AND status = 'FAILED' AND error_data IS NOT NULL) AS failed,
              (SELECT count(*)::int FROM steps WHERE organization_id = $1 AND feedback IS NOT NULL AND json_array_length(tags) > 0) AS feedback,
              (SELECT count(*)::int FROM provider_traces WHERE organization_id = $1) AS traces,
              (SELECT count(*)::int FROM step_metrics WHERE organization_id = $1) AS metrics,
              (SELECT count(*)::int FROM messages WHERE organization_id = $1 AND approvals IS NOT NULL) AS approvals,
              (SELECT count(*)::int FROM messages WHERE organization_id = $1 AND json_array_length(tool_calls) > 0) AS tool_calls,
              (SELECT count(*)::int FROM messages WHERE organization_id = $1 AND tool_returns IS NOT NULL) AS tool_returns,
              (SELECT count(*)::int FROM messages WHERE organization_id = $1 AND text IS NOT NULL AND content IS NULL) AS legacy`,
      [tenant.organizationId],
    );
    expect(counts!.steps).toBe(400);
    for (const [name, value] of Object.entries(counts!)) expect(value, name).toBeGreaterThan(name === 'agents' || name === 'models' ? 3 : 5);

    const roles = await t.db.sql.query<{ role: string }>(`SELECT DISTINCT role FROM messages WHERE organization_id = $1 ORDER BY role`, [tenant.organizationId]);
    expect(roles.map((row) => row.role)).toEqual(['approval', 'assistant', 'function', 'summary', 'system', 'tool', 'user']);
    const parts = await t.db.sql.query<{ type: string }>(
      `SELECT DISTINCT part->>'type' AS type FROM messages, json_array_elements(content) AS part
        WHERE organization_id = $1 AND json_typeof(content) = 'array' ORDER BY 1`,
      [tenant.organizationId],
    );
    expect(parts.map((row) => row.type)).toEqual([
      'image', 'omitted_reasoning', 'reasoning', 'redacted_reasoning', 'summarized_reasoning', 'text', 'tool_call', 'tool_return',
    ]);
    const statuses = await t.db.sql.query<{ status: string }>(`SELECT DISTINCT status::text FROM steps WHERE organization_id = $1 ORDER BY 1`, [tenant.organizationId]);
    expect(statuses.map((row) => row.status)).toEqual(['CANCELLED', 'FAILED', 'PENDING', 'SUCCESS']);
  });

  it('produces data the gateway serves without errors, every union member included', async () => {
    // Every step, page by page: which kinds of rows the newest steps hold depends on the day the seed runs.
    const typenames = new Set<string>();
    let after: string | null = null;
    do {
      const response: { body: { data?: any; errors?: unknown } } = await t.graphql(
        tenant.key,
        `query($after: String) { steps(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { status stopReason errorData messages(first: 20) { nodes {
            role content { __typename } toolCalls { id } toolReturns { funcResponse funcResponseParts { __typename } } approvals { __typename }
          } } trace { id } metrics { stepNs } } } }`,
        { after },
      );
      expect(response.body.errors).toBeUndefined();
      for (const step of response.body.data.steps.nodes) {
        for (const message of step.messages.nodes) {
          for (const part of message.content) typenames.add(part.__typename);
          for (const approval of message.approvals ?? []) typenames.add(approval.__typename);
        }
      }
      after = response.body.data.steps.pageInfo.hasNextPage ? response.body.data.steps.pageInfo.endCursor : null;
    } while (after !== null);
    expect([...typenames].sort()).toEqual([
      'ApprovalReturn', 'ImageContent', 'OmittedReasoningContent', 'ReasoningContent', 'RedactedReasoningContent',
      'SummarizedReasoningContent', 'TextContent', 'ToolCallContent', 'ToolReturn', 'ToolReturnContent',
    ]);
  });

  it('gives part of the steps scored feedback entries from several submitters and criteria, some with history', () => {
    const { steps, feedbackEntries, feedbackVersions } = generateBatch({ organizationId: 'org-f', steps: 400, seed: 2 }, 0, 400);
    const stepsWithEntries = new Set(feedbackEntries.map((entry) => entry.step_id));
    expect(stepsWithEntries.size / steps.length).toBeGreaterThan(0.15);
    expect(stepsWithEntries.size / steps.length).toBeLessThan(0.35);
    expect(new Set(feedbackEntries.map((entry) => entry.name))).toEqual(new Set(['overall', 'helpfulness', 'accuracy', 'tone']));
    expect(new Set(feedbackEntries.map((entry) => entry.submitter_type))).toEqual(new Set(['USER', 'SYSTEM']));
    expect(new Set(feedbackEntries.map((entry) => entry.source))).toEqual(new Set(['APP', 'EVALUATOR']));
    expect(feedbackEntries.every((entry) => entry.score !== null || entry.comment !== null)).toBe(true);
    expect(feedbackEntries.some((entry) => entry.score === null)).toBe(true);
    // One current entry per step, criterion and submitter; a replaced entry has its first version kept.
    const keys = feedbackEntries.map((entry) => `${entry.step_id}|${entry.name}|${entry.submitter_type}|${entry.submitter_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(feedbackVersions.length).toBe(feedbackEntries.filter((entry) => entry.version === 2).length);
    expect(feedbackVersions.length).toBeGreaterThan(0);
  });

  it('gives every row its own id, across many steps', () => {
    const { steps, messages, traces, feedbackEntries } = generateBatch({ organizationId: 'org-y', steps: 20000, seed: 1 }, 0, 20000);
    const ids = [...steps, ...messages, ...traces, ...feedbackEntries].map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(messages.length).toBeGreaterThan(80000);
  });

  it('can run again over the same rows without duplicating them, and counts only what it wrote', async () => {
    const again = await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 50, seed: 3 });
    expect(again).toEqual({ steps: 0, messages: 0, traces: 0, metrics: 0, feedbackEntries: 0 });
    const [row] = await t.db.sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM steps WHERE organization_id = $1`, [tenant.organizationId]);
    expect(row!.count).toBe(400);
  });
});
