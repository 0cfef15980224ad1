import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertStep, newId } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

const ALL_FIELDS = `
  id origin organizationId providerId runId agentId providerName providerCategory model modelHandle modelEndpoint
  contextWindowLimit completionTokens promptTokens totalTokens cachedInputTokens cacheWriteTokens reasoningTokens
  completionTokensDetails promptTokensDetails stopReason tags tid traceId requestId feedback projectId errorType
  errorData status createdAt updatedAt`;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
});
afterAll(() => t.close());

describe('step(id)', () => {
  it('returns every field of a step, camelCased, with enums in SCREAMING_SNAKE', async () => {
    const id = await insertStep(t.db, tenant.organizationId, {
      origin: 'ade',
      provider_id: 'provider-openai',
      run_id: 'run-1',
      agent_id: 'agent-1',
      provider_name: 'openai',
      provider_category: 'base',
      model: 'gpt-4o-mini',
      model_handle: 'openai/gpt-4o-mini',
      model_endpoint: 'https://api.openai.com/v1',
      context_window_limit: 128000,
      completion_tokens: 12,
      prompt_tokens: 30,
      total_tokens: 42,
      cached_input_tokens: 5,
      cache_write_tokens: 6,
      reasoning_tokens: 7,
      completion_tokens_details: { reasoning_tokens: 7 },
      prompt_tokens_details: { cached_tokens: 5 },
      stop_reason: 'requires_approval',
      tags: ['a', 'b'],
      tid: 'tid-1',
      trace_id: 'trace-1',
      request_id: 'req-1',
      feedback: 'negative',
      error_type: 'LLMError',
      error_data: { message: 'boom', traceback: 'tb', details: { x: 1 } },
      status: 'FAILED',
      project_id: 'project-1',
      created_at: '2025-03-01T10:00:00.123456Z',
      updated_at: '2025-03-01T10:00:01Z',
    });
    const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { ${ALL_FIELDS} } }`, { id });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        step: {
          id,
          origin: 'ade',
          organizationId: tenant.organizationId,
          providerId: 'provider-openai',
          runId: 'run-1',
          agentId: 'agent-1',
          providerName: 'openai',
          providerCategory: 'base',
          model: 'gpt-4o-mini',
          modelHandle: 'openai/gpt-4o-mini',
          modelEndpoint: 'https://api.openai.com/v1',
          contextWindowLimit: 128000,
          completionTokens: 12,
          promptTokens: 30,
          totalTokens: 42,
          cachedInputTokens: 5,
          cacheWriteTokens: 6,
          reasoningTokens: 7,
          completionTokensDetails: { reasoning_tokens: 7 },
          promptTokensDetails: { cached_tokens: 5 },
          stopReason: 'REQUIRES_APPROVAL',
          tags: ['a', 'b'],
          tid: 'tid-1',
          traceId: 'trace-1',
          requestId: 'req-1',
          feedback: 'NEGATIVE',
          projectId: 'project-1',
          errorType: 'LLMError',
          errorData: { message: 'boom', traceback: 'tb', details: { x: 1 } },
          status: 'FAILED',
          createdAt: '2025-03-01T10:00:00.123456Z',
          updatedAt: '2025-03-01T10:00:01.000000Z',
        },
      },
    });
  });

  it('reads legacy and unexpected values without failing: NULL tags, NULL status, an unknown stop reason', async () => {
    const id = await insertStep(t.db, tenant.organizationId, { tags: null, status: null, stop_reason: 'some_future_reason', feedback: 'meh' });
    const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { tags status stopReason feedback } }`, { id });
    expect(response.body).toEqual({ data: { step: { tags: [], status: null, stopReason: null, feedback: null } } });
  });

  it('returns null for an unknown step, for a step of another organization and for a deleted step', async () => {
    const foreign = await insertStep(t.db, other.organizationId);
    const deleted = await insertStep(t.db, tenant.organizationId, { is_deleted: true });
    for (const id of [newId('step'), foreign, deleted]) {
      const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { id } }`, { id });
      expect(response.body).toEqual({ data: { step: null } });
    }
  });

  it('returns BAD_USER_INPUT for a malformed id', async () => {
    for (const id of ['nope', 'message-0b6a4d57-5b8c-4d3e-9a41-1f2e3d4c5b6a', "step-1' OR '1'='1"]) {
      const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { id } }`, { id });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.data).toEqual({ step: null });
    }
  });
});

describe('node(id)', () => {
  it('resolves each type by the prefix of its id, within the organization only', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const foreign = await insertStep(t.db, other.organizationId);
    const response = await t.graphql(
      tenant.key,
      `query($a: ID!, $b: ID!) { a: node(id: $a) { __typename id ... on Step { status } } b: node(id: $b) { id } nodes(ids: [$a, $b]) { id } }`,
      { a: stepId, b: foreign },
    );
    expect(response.body).toEqual({
      data: { a: { __typename: 'Step', id: stepId, status: 'SUCCESS' }, b: null, nodes: [{ id: stepId }, null] },
    });
  });

  it('returns BAD_USER_INPUT for an id that names no type', async () => {
    const response = await t.graphql(tenant.key, `{ node(id: "agent-0b6a4d57-5b8c-4d3e-9a41-1f2e3d4c5b6a") { id } }`);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });
});
