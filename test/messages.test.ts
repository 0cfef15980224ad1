import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertMessage, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';
import { pageThrough } from './helpers/pages.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

const CONTENT = `content {
  __typename
  ... on TextContent { text signature }
  ... on ImageContent { source { __typename ... on UrlImageSource { url } ... on Base64ImageSource { data mediaType detail } ... on LettaImageSource { fileId mediaType data detail } } }
  ... on ToolCallContent { id name input signature }
  ... on ToolReturnContent { toolCallId content isError }
  ... on ReasoningContent { isNative reasoning signature }
  ... on RedactedReasoningContent { data }
  ... on OmittedReasoningContent { signature }
  ... on SummarizedReasoningContent { id summary { index text } encryptedContent }
}`;

const MESSAGES = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  step(id: $id) {
    messages(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { id role }
    }
  }
}`;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
});
afterAll(() => t.close());

describe('Message', () => {
  it('returns every field of a message and leads back to its step', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const id = await insertMessage(t.db, tenant.organizationId, stepId, {
      role: 'assistant',
      agent_id: 'agent-7',
      model: 'gpt-4o-mini',
      name: 'bot',
      tool_call_id: null,
      otid: 'otid-1',
      group_id: 'group-1',
      sender_id: 'agent-7',
      batch_item_id: 'batch-1',
      approval_request_id: 'approval-1',
      denial_reason: 'no',
      run_id: 'run-1',
      conversation_id: 'conversation-1',
      is_err: false,
      approve: true,
      _created_by_id: 'user-1',
      _last_updated_by_id: 'user-2',
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:01Z',
      content: [{ type: 'text', text: 'hi' }],
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'web_search', arguments: '{"query":"x"}' } }],
    });
    const response = await t.graphql(
      tenant.key,
      `query($id: ID!) { node(id: $id) { ... on Message {
        id role agentId model name toolCallId otid groupId senderId batchItemId approvalRequestId denialReason stepId runId
        conversationId isErr approve createdById lastUpdatedById createdAt updatedAt
        toolCalls { id type function { name arguments } }
        content { __typename ... on TextContent { text } }
        step { id }
      } } }`,
      { id },
    );
    expect(response.body).toEqual({
      data: {
        node: {
          id,
          role: 'ASSISTANT',
          agentId: 'agent-7',
          model: 'gpt-4o-mini',
          name: 'bot',
          toolCallId: null,
          otid: 'otid-1',
          groupId: 'group-1',
          senderId: 'agent-7',
          batchItemId: 'batch-1',
          approvalRequestId: 'approval-1',
          denialReason: 'no',
          stepId,
          runId: 'run-1',
          conversationId: 'conversation-1',
          isErr: false,
          approve: true,
          createdById: 'user-1',
          lastUpdatedById: 'user-2',
          createdAt: '2025-01-01T00:00:00.000000Z',
          updatedAt: '2025-01-01T00:00:01.000000Z',
          toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'web_search', arguments: '{"query":"x"}' } }],
          content: [{ __typename: 'TextContent', text: 'hi' }],
          step: { id: stepId },
        },
      },
    });
  });

  it('types every content part and image source, skipping unknown and malformed parts', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await insertMessage(t.db, tenant.organizationId, stepId, {
      role: 'assistant',
      content: [
        { type: 'text', text: 'hello', signature: 'sig-t' },
        { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA', detail: 'low' } },
        { type: 'image', source: { type: 'letta', file_id: 'file-1', media_type: 'image/jpeg' } },
        { type: 'tool_call', id: 'call_1', name: 'web_search', input: { query: 'x' }, signature: null },
        { type: 'tool_return', tool_call_id: 'call_1', content: 'result', is_error: true },
        { type: 'reasoning', is_native: true, reasoning: 'thinking', signature: 'sig-r' },
        { type: 'redacted_reasoning', data: 'opaque' },
        { type: 'omitted_reasoning' },
        { type: 'summarized_reasoning', id: 'rs_1', summary: [{ index: 0, text: 'first' }], encrypted_content: 'enc' },
        { type: 'hologram', data: 'from the future' },
        { type: 'text' },
        'not even an object',
      ],
    });
    const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { messages { nodes { ${CONTENT} } } } }`, { id: stepId });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.step.messages.nodes[0].content).toEqual([
      { __typename: 'TextContent', text: 'hello', signature: 'sig-t' },
      { __typename: 'ImageContent', source: { __typename: 'UrlImageSource', url: 'https://example.com/a.png' } },
      { __typename: 'ImageContent', source: { __typename: 'Base64ImageSource', data: 'AAAA', mediaType: 'image/png', detail: 'low' } },
      { __typename: 'ImageContent', source: { __typename: 'LettaImageSource', fileId: 'file-1', mediaType: 'image/jpeg', data: null, detail: null } },
      { __typename: 'ToolCallContent', id: 'call_1', name: 'web_search', input: { query: 'x' }, signature: null },
      { __typename: 'ToolReturnContent', toolCallId: 'call_1', content: 'result', isError: true },
      { __typename: 'ReasoningContent', isNative: true, reasoning: 'thinking', signature: 'sig-r' },
      { __typename: 'RedactedReasoningContent', data: 'opaque' },
      { __typename: 'OmittedReasoningContent', signature: null },
      { __typename: 'SummarizedReasoningContent', id: 'rs_1', summary: [{ index: 0, text: 'first' }], encryptedContent: 'enc' },
    ]);
  });

  it('shows a legacy row with only text as one text part', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await insertMessage(t.db, tenant.organizationId, stepId, { role: 'user', text: 'legacy words', content: null });
    await insertMessage(t.db, tenant.organizationId, stepId, { role: 'user', text: 'also legacy', content: [], created_at: '2030-01-01T00:00:00Z' });
    const response = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { messages { nodes { ${CONTENT} } } } }`, { id: stepId });
    expect(response.body.data.step.messages.nodes).toEqual([
      { content: [{ __typename: 'TextContent', text: 'legacy words', signature: null }] },
      { content: [{ __typename: 'TextContent', text: 'also legacy', signature: null }] },
    ]);
  });

  it('types tool returns whose response is a string or a list of parts, and approvals of both kinds', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await insertMessage(t.db, tenant.organizationId, stepId, {
      role: 'tool',
      tool_call_id: 'call_1',
      created_at: '2025-01-01T00:00:01Z',
      tool_returns: [
        { tool_call_id: 'call_1', status: 'success', func_response: '{"status": "OK", "message": "42"}', stdout: ['out'], stderr: [] },
        {
          tool_call_id: 'call_2',
          status: 'error',
          func_response: [{ type: 'text', text: 'chart' }, { type: 'image', source: { type: 'url', url: 'https://example.com/c.png' } }],
        },
        { status: 'weird' },
      ],
    });
    await insertMessage(t.db, tenant.organizationId, stepId, {
      role: 'approval',
      created_at: '2025-01-01T00:00:02Z',
      approvals: [
        { type: 'approval', tool_call_id: 'call_3', approve: false, reason: 'not now' },
        { tool_call_id: 'call_4', status: 'success', func_response: 'done' },
      ],
    });
    const response = await t.graphql(
      tenant.key,
      `query($id: ID!) { step(id: $id) { messages { nodes {
        role
        toolCalls { id }
        toolReturns { status funcResponse funcResponseParts { __typename ... on TextContent { text } ... on ImageContent { source { ... on UrlImageSource { url } } } } stdout stderr toolCallId }
        approvals { __typename ... on ApprovalReturn { approve toolCallId reason } ... on ToolReturn { status funcResponse toolCallId } }
      } } } }`,
      { id: stepId },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.step.messages.nodes).toEqual([
      {
        role: 'TOOL',
        toolCalls: null,
        toolReturns: [
          { status: 'SUCCESS', funcResponse: '{"status": "OK", "message": "42"}', funcResponseParts: null, stdout: ['out'], stderr: [], toolCallId: 'call_1' },
          {
            status: 'ERROR',
            funcResponse: null,
            funcResponseParts: [
              { __typename: 'TextContent', text: 'chart' },
              { __typename: 'ImageContent', source: { url: 'https://example.com/c.png' } },
            ],
            stdout: null,
            stderr: null,
            toolCallId: 'call_2',
          },
        ],
        approvals: null,
      },
      {
        role: 'APPROVAL',
        toolCalls: null,
        toolReturns: null,
        approvals: [
          { __typename: 'ApprovalReturn', approve: false, toolCallId: 'call_3', reason: 'not now' },
          { __typename: 'ToolReturn', status: 'SUCCESS', funcResponse: 'done', toolCallId: 'call_4' },
        ],
      },
    ]);
  });

  it('reads every role', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const roles = ['assistant', 'user', 'tool', 'function', 'system', 'approval', 'summary'];
    for (const [i, role] of roles.entries()) {
      await insertMessage(t.db, tenant.organizationId, stepId, { role, created_at: `2025-01-01T00:00:0${i}Z` });
    }
    const response = await t.graphql(tenant.key, MESSAGES, { id: stepId });
    expect(response.body.data.step.messages.nodes.map((node: { role: string }) => node.role)).toEqual(roles.map((role) => role.toUpperCase()));
  });
});

describe('Step.messages', () => {
  let stepId: string;
  const expected: string[] = [];

  beforeAll(async () => {
    stepId = await insertStep(t.db, tenant.organizationId);
    // Letta's order: created_at, then id; two messages share one instant.
    for (let i = 0; i < 9; i++) {
      const at = i === 4 ? '2025-02-01T00:00:03.000001Z' : `2025-02-01T00:00:0${i}.000001Z`;
      expected.push(await insertMessage(t.db, tenant.organizationId, stepId, { created_at: at }));
    }
    const rows = await t.db.sql.query<{ id: string }>(`SELECT id FROM messages WHERE step_id = $1 ORDER BY created_at, id`, [stepId]);
    expected.splice(0, expected.length, ...rows.map((row) => row.id));
    await insertMessage(t.db, tenant.organizationId, stepId, { is_deleted: true });
    const foreign = await createTenant(t.db, 'Foreign');
    // A message of another organization pointing at this step never shows.
    await insertMessage(t.db, foreign.organizationId, stepId, {});
  });

  it('lists the messages of the step oldest first, with a totalCount', async () => {
    const response = await t.graphql(tenant.key, MESSAGES, { id: stepId });
    expect(response.body.data.step.messages.nodes.map((node: { id: string }) => node.id)).toEqual(expected);
    expect(response.body.data.step.messages.totalCount).toBe(9);
  });

  it('pages forward and backward', async () => {
    const page = async (args: Record<string, unknown>) => (await t.graphql(tenant.key, MESSAGES, { id: stepId, ...args })).body.data.step.messages;
    const forward = await pageThrough<{ id: string }>('forward', (after) => page({ first: 4, after }));
    expect(forward.nodes.map((node) => node.id)).toEqual(expected);
    const backward = await pageThrough<{ id: string }>('backward', (before) => page({ last: 4, before }));
    expect(backward.nodes.map((node) => node.id)).toEqual(expected);
  });

  it('rejects bad arguments with BAD_USER_INPUT', async () => {
    for (const variables of [{ first: 101 }, { after: 'garbage' }, { first: 1, last: 1 }]) {
      const response = await t.graphql(tenant.key, MESSAGES, { id: stepId, ...variables });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('messages written without created_at or with a role this API does not know', () => {
  it('pages through them before the dated ones (an undated row counts as the oldest) and reads the role as null', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const dated = await insertMessage(t.db, tenant.organizationId, stepId, { created_at: '2025-01-01T00:00:00Z' });
    const undated = [
      await insertMessage(t.db, tenant.organizationId, stepId, { created_at: null }),
      await insertMessage(t.db, tenant.organizationId, stepId, { created_at: null, role: 'oracle' }),
    ].sort();
    const { nodes } = await pageThrough<{ id: string; role: string | null }>(
      'forward',
      async (after) => (await t.graphql(tenant.key, MESSAGES, { id: stepId, first: 1, after })).body.data.step.messages,
    );
    const seen = nodes.map((node) => node.id);
    const roles = nodes.map((node) => node.role);
    expect(seen).toEqual([...undated, dated]);
    expect(roles.filter((role) => role === null)).toHaveLength(1);
  });
});
