import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertMetrics, insertStep, insertTrace } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

const TRACE = `query($id: ID!) { step(id: $id) { trace {
  id requestJson responseJson stepId agentId agentTags callType runId source orgId userId compactionSettings llmConfig
  latencyMs createdById lastUpdatedById createdAt updatedAt step { id }
} } }`;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
});
afterAll(() => t.close());

describe('Step.trace', () => {
  it('returns every field of the provider trace, request and response as JSON', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 };
    const response = { id: 'chatcmpl-1', choices: [{ finish_reason: 'stop' }], usage: { prompt_tokens: 3 } };
    const traceId = await insertTrace(t.db, tenant.organizationId, stepId, {
      request_json: request,
      response_json: response,
      agent_id: 'agent-1',
      agent_tags: ['prod', 'eu'],
      call_type: 'agent_step',
      run_id: 'run-1',
      source: 'letta-server',
      org_id: tenant.organizationId,
      user_id: 'user-1',
      compaction_settings: { mode: 'sliding' },
      llm_config: { model: 'gpt-4o-mini' },
      _created_by_id: 'user-1',
      _last_updated_by_id: 'user-1',
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
    });
    const result = await t.graphql(tenant.key, TRACE, { id: stepId });
    expect(result.body).toEqual({
      data: {
        step: {
          trace: {
            id: traceId,
            requestJson: request,
            responseJson: response,
            stepId,
            agentId: 'agent-1',
            agentTags: ['prod', 'eu'],
            callType: 'agent_step',
            runId: 'run-1',
            source: 'letta-server',
            orgId: tenant.organizationId,
            userId: 'user-1',
            compactionSettings: { mode: 'sliding' },
            llmConfig: { model: 'gpt-4o-mini' },
            latencyMs: null,
            createdById: 'user-1',
            lastUpdatedById: 'user-1',
            createdAt: '2025-01-01T00:00:00.000000Z',
            updatedAt: '2025-01-01T00:00:00.000000Z',
            step: { id: stepId },
          },
        },
      },
    });
  });

  it('is null when the step has no trace, or only one of another organization', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const foreign = await createTenant(t.db, 'Foreign');
    await insertTrace(t.db, foreign.organizationId, stepId);
    const result = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { trace { id } } }`, { id: stepId });
    expect(result.body).toEqual({ data: { step: { trace: null } } });
  });

  it('returns the newest trace when a step has several, the same on a step and in a list of steps', async () => {
    const own = await createTenant(t.db, 'Traces');
    const stepId = await insertStep(t.db, own.organizationId);
    await insertTrace(t.db, own.organizationId, stepId, { created_at: '2025-01-01T00:00:00Z', call_type: 'summarization' });
    await insertTrace(t.db, own.organizationId, stepId, { created_at: null });
    // Two at the same time: the greater id wins.
    await insertTrace(t.db, own.organizationId, stepId, { id: 'provider_trace-a', created_at: '2025-01-01T00:00:05Z' });
    const newest = await insertTrace(t.db, own.organizationId, stepId, { id: 'provider_trace-b', created_at: '2025-01-01T00:00:05Z' });
    const one = await t.graphql(own.key, `query($id: ID!) { step(id: $id) { trace { id } } }`, { id: stepId });
    expect(one.body).toEqual({ data: { step: { trace: { id: newest } } } });
    const list = await t.graphql(own.key, `{ steps(first: 1) { nodes { trace { id } } } }`);
    expect(list.body).toEqual({ data: { steps: { nodes: [{ trace: { id: newest } }] } } });
  });

  it("gives an agent step's trace the LLM latency Letta measured for the step, and none to other calls", async () => {
    const measured = await insertStep(t.db, tenant.organizationId);
    await insertMetrics(t.db, measured, { llm_request_ns: '1234567891' });
    const traced = await insertTrace(t.db, tenant.organizationId, measured, { call_type: 'agent_step' });
    const unmeasured = await insertStep(t.db, tenant.organizationId);
    await insertTrace(t.db, tenant.organizationId, unmeasured, { call_type: 'agent_step' });
    const summarized = await insertStep(t.db, tenant.organizationId);
    await insertMetrics(t.db, summarized, { llm_request_ns: '5000000' });
    await insertTrace(t.db, tenant.organizationId, summarized, { call_type: 'summarization' });
    const { result, statements } = await t.statements(() =>
      t.graphql(tenant.key, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Step { trace { latencyMs } } } }`, { ids: [measured, unmeasured, summarized] }),
    );
    expect(result.body).toEqual({ data: { nodes: [{ trace: { latencyMs: 1234 } }, { trace: { latencyMs: null } }, { trace: { latencyMs: null } }] } });
    // The key, then the steps, their traces, and the metrics of all of them: one statement each.
    expect(statements).toHaveLength(4);
    const node = await t.graphql(tenant.key, `query($id: ID!) { node(id: $id) { ... on ProviderTrace { latencyMs } } }`, { id: traced });
    expect(node.body).toEqual({ data: { node: { latencyMs: 1234 } } });
  });

  it('is reachable as a node', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const traceId = await insertTrace(t.db, tenant.organizationId, stepId);
    const result = await t.graphql(tenant.key, `query($id: ID!) { node(id: $id) { __typename id } }`, { id: traceId });
    expect(result.body).toEqual({ data: { node: { __typename: 'ProviderTrace', id: traceId } } });
  });
});

describe('Step.metrics', () => {
  it('returns nanosecond values as exact decimal strings, beyond 2^53', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await insertMetrics(t.db, stepId, {
      organization_id: tenant.organizationId,
      provider_id: 'provider-1',
      run_id: 'run-1',
      agent_id: 'agent-9',
      project_id: 'project-1',
      step_start_ns: '1764000000123456789',
      llm_request_start_ns: '1764000000123999999',
      llm_request_ns: '9007199254740993',
      tool_execution_ns: 0,
      step_ns: '9223372036854775807',
      base_template_id: 'base-1',
      template_id: 'template-1',
    });
    const result = await t.graphql(
      tenant.key,
      `query($id: ID!) { step(id: $id) { metrics {
        id organizationId providerId runId agentId stepStartNs llmRequestStartNs llmRequestNs toolExecutionNs stepNs baseTemplateId templateId projectId
      } } }`,
      { id: stepId },
    );
    expect(result.body).toEqual({
      data: {
        step: {
          metrics: {
            id: stepId,
            organizationId: tenant.organizationId,
            providerId: 'provider-1',
            runId: 'run-1',
            agentId: 'agent-9',
            stepStartNs: '1764000000123456789',
            llmRequestStartNs: '1764000000123999999',
            llmRequestNs: '9007199254740993',
            toolExecutionNs: '0',
            stepNs: '9223372036854775807',
            baseTemplateId: 'base-1',
            templateId: 'template-1',
            projectId: 'project-1',
          },
        },
      },
    });
  });

  it('is null when none were recorded', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const result = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { metrics { stepNs } } }`, { id: stepId });
    expect(result.body).toEqual({ data: { step: { metrics: null } } });
  });
});
