import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { otidOf } from '../src/letta/letta-messages.ts';
import { LETTA_MESSAGE_FRAGMENT } from '../src/rest/operations.ts';
import { createTenant, insertMessage, insertStep, newId } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

const LIST = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  step(id: $id) {
    lettaMessages(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...LettaMessageFields } }
      skipped { messageId role reason }
    }
  }
}
${LETTA_MESSAGE_FRAGMENT}`;

const call = (id: string, name: string, args: unknown) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });

/** A step as an agent writes one: the user's question, a tool call and its return, then the answer. */
async function conversation(organizationId: string) {
  const stepId = await insertStep(t.db, organizationId);
  const at = (s: number) => `2025-03-01T10:00:0${s}.123456Z`;
  const ids = [newId('message'), newId('message'), newId('message'), newId('message'), newId('message')];
  await insertMessage(t.db, organizationId, stepId, { id: ids[0], role: 'user', created_at: at(0), otid: 'otid-user', content: [{ type: 'text', text: '{"type": "user_message", "message": "Weather in Paris?"}' }] });
  await insertMessage(t.db, organizationId, stepId, {
    id: ids[1],
    role: 'assistant',
    created_at: at(1),
    content: [{ type: 'reasoning', is_native: true, reasoning: 'Look it up.', signature: 'sig' }],
    tool_calls: [call('call_w', 'web_search', { q: 'Paris weather' })],
  });
  await insertMessage(t.db, organizationId, stepId, {
    id: ids[2],
    role: 'tool',
    created_at: at(2),
    name: 'web_search',
    tool_call_id: 'call_w',
    tool_returns: [{ tool_call_id: 'call_w', status: 'success', func_response: '{"status": "OK", "message": "Sunny, 21 C"}', stdout: [], stderr: [] }],
  });
  await insertMessage(t.db, organizationId, stepId, {
    id: ids[3],
    role: 'assistant',
    created_at: at(3),
    content: [{ type: 'text', text: 'Answer now.' }],
    tool_calls: [call('call_s', 'send_message', { message: 'It is sunny, 21 C.' })],
  });
  await insertMessage(t.db, organizationId, stepId, {
    id: ids[4],
    role: 'tool',
    created_at: at(4),
    name: 'send_message',
    tool_call_id: 'call_s',
    content: [{ type: 'text', text: '{"status": "OK", "message": "None"}' }],
    tool_returns: [{ tool_call_id: 'call_s', status: 'success', func_response: '{"status": "OK", "message": "None"}' }],
  });
  return { stepId, ids, at };
}

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
});
afterAll(() => t.close());

describe("Step.lettaMessages: Letta's view of a step's messages", () => {
  it("lists each row's LettaMessages as Letta's server does, with every field", async () => {
    const { stepId, ids, at } = await conversation(tenant.organizationId);
    const response = await t.graphql(tenant.key, LIST, { id: stepId });
    expect(response.body.errors).toBeUndefined();
    const list = response.body.data.step.lettaMessages;
    const nodes = list.edges.map((edge: any) => edge.node);
    const common = (id: string, index: number, date: string) => ({ id, index, date, stepId, runId: null, isErr: null, seqId: null });
    expect(nodes).toEqual([
      { __typename: 'UserMessage', ...common(ids[0]!, 0, at(0)), messageType: 'USER_MESSAGE', name: null, otid: 'otid-user', senderId: null, content: 'Weather in Paris?', contentParts: null },
      {
        __typename: 'ToolCallMessage',
        ...common(ids[1]!, 0, at(1)),
        messageType: 'TOOL_CALL_MESSAGE',
        name: null,
        otid: otidOf(ids[1]!, 1),
        senderId: null,
        toolCall: { name: 'web_search', arguments: '{"q":"Paris weather"}', toolCallId: 'call_w' },
        toolCalls: [{ name: 'web_search', arguments: '{"q":"Paris weather"}', toolCallId: 'call_w' }],
      },
      { __typename: 'ReasoningMessage', ...common(ids[1]!, 1, at(1)), messageType: 'REASONING_MESSAGE', name: null, otid: otidOf(ids[1]!, 0), senderId: null, source: 'REASONER_MODEL', reasoning: 'Look it up.', signature: 'sig' },
      {
        __typename: 'ToolReturnMessage',
        ...common(ids[2]!, 0, at(2)),
        messageType: 'TOOL_RETURN_MESSAGE',
        name: 'web_search',
        otid: otidOf(ids[2]!, 0),
        senderId: null,
        toolReturn: 'Sunny, 21 C',
        status: 'SUCCESS',
        toolCallId: 'call_w',
        stdout: [],
        stderr: [],
        toolReturns: [{ __typename: 'LettaToolReturn', toolReturn: 'Sunny, 21 C', toolReturnParts: null, status: 'SUCCESS', toolCallId: 'call_w', stdout: [], stderr: [] }],
      },
      { __typename: 'AssistantMessage', ...common(ids[3]!, 0, at(3)), messageType: 'ASSISTANT_MESSAGE', name: null, otid: otidOf(ids[3]!, 1), senderId: null, content: 'It is sunny, 21 C.', contentParts: null },
      { __typename: 'ReasoningMessage', ...common(ids[3]!, 1, at(3)), messageType: 'REASONING_MESSAGE', name: null, otid: otidOf(ids[3]!, 0), senderId: null, source: 'NON_REASONER_MODEL', reasoning: 'Answer now.', signature: null },
    ]);
    expect(list.totalCount).toBe(6);
    expect(list.skipped).toEqual([]);
    expect(list.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('pages by LettaMessage both ways, with cursors and with message ids, without losing or repeating one', async () => {
    const { stepId, ids } = await conversation(tenant.organizationId);
    const whole = (await t.graphql(tenant.key, LIST, { id: stepId })).body.data.step.lettaMessages.edges.map((edge: any) => `${edge.node.id}/${edge.node.index}`);
    const forward: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: any = (await t.graphql(tenant.key, LIST, { id: stepId, first: 2, after })).body.data.step.lettaMessages;
      forward.push(...page.edges.map((edge: any) => `${edge.node.id}/${edge.node.index}`));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(whole);
    const backward: string[] = [];
    let before: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: any = (await t.graphql(tenant.key, LIST, { id: stepId, last: 4, before })).body.data.step.lettaMessages;
      backward.unshift(...page.edges.map((edge: any) => `${edge.node.id}/${edge.node.index}`));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward).toEqual(whole);
    // A message id as a cursor: after all of that row's LettaMessages, or before them.
    const afterRow = (await t.graphql(tenant.key, LIST, { id: stepId, after: ids[1] })).body.data.step.lettaMessages;
    expect(afterRow.edges.map((edge: any) => edge.node.id)).toEqual([ids[2], ids[3], ids[3]]);
    expect(afterRow.pageInfo.hasPreviousPage).toBe(true);
    const beforeRow = (await t.graphql(tenant.key, LIST, { id: stepId, last: 10, before: ids[3] })).body.data.step.lettaMessages;
    expect(beforeRow.edges.map((edge: any) => edge.node.id)).toEqual([ids[0], ids[1], ids[1], ids[2]]);
  });

  it('refuses a cursor of another list, a message of another step, and a page past the maximum', async () => {
    const { stepId } = await conversation(tenant.organizationId);
    const { stepId: otherStep, ids: otherIds } = await conversation(tenant.organizationId);
    const cursor = (await t.graphql(tenant.key, LIST, { id: otherStep, first: 1 })).body.data.step.lettaMessages.pageInfo.endCursor;
    for (const variables of [{ after: cursor }, { after: otherIds[0] }, { before: 'garbage' }]) {
      const response = await t.graphql(tenant.key, LIST, { id: stepId, ...variables });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    }
    const tooLong = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { lettaMessages(first: 501) { totalCount } } }`, { id: stepId });
    expect(codesOf(tooLong)).toEqual(['BAD_USER_INPUT']);
  });

  it('sets aside the rows that Letta’s server cannot convert, and shows the others', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const bad = await insertMessage(t.db, tenant.organizationId, stepId, {
      role: 'tool',
      created_at: '2025-03-01T10:00:00Z',
      tool_call_id: 'call_1',
      tool_returns: [{ tool_call_id: 'call_1', status: 'success', func_response: 'Traceback: boom' }],
    });
    const legacy = await insertMessage(t.db, tenant.organizationId, stepId, { role: 'function', created_at: '2025-03-01T10:00:01Z', content: [{ type: 'text', text: 'ok' }] });
    const user = await insertMessage(t.db, tenant.organizationId, stepId, { role: 'user', created_at: '2025-03-01T10:00:02Z', text: 'legacy text', content: null });
    const list = (await t.graphql(tenant.key, LIST, { id: stepId })).body.data.step.lettaMessages;
    expect(list.edges.map((edge: any) => [edge.node.id, edge.node.content])).toEqual([[user, 'legacy text']]);
    expect(list.skipped).toEqual([
      { messageId: bad, role: 'tool', reason: 'MALFORMED_TOOL_RETURN' },
      { messageId: legacy, role: 'function', reason: 'UNSUPPORTED_ROLE' },
    ]);
    const one = await t.graphql(tenant.key, `query($id: ID!) { node(id: $id) { ... on Message { lettaMessages { __typename } } } }`, { id: bad });
    expect(one.body.data.node.lettaMessages).toBeNull();
    expect(one.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNCONVERTIBLE_MESSAGE', reason: 'MALFORMED_TOOL_RETURN', messageId: bad });
  });

  it("shows one message row's LettaMessages on Message, the send_message return as none", async () => {
    const { stepId, ids } = await conversation(tenant.organizationId);
    const response = await t.graphql(
      tenant.key,
      `query($id: ID!) { step(id: $id) { messages { nodes { id lettaMessages { __typename ... on LettaMessageBase { id index } } } } } }`,
      { id: stepId },
    );
    expect(response.body.data.step.messages.nodes.map((message: any) => [message.id, message.lettaMessages.map((item: any) => item.__typename)])).toEqual([
      [ids[0], ['UserMessage']],
      [ids[1], ['ToolCallMessage', 'ReasoningMessage']],
      [ids[2], ['ToolReturnMessage']],
      [ids[3], ['AssistantMessage', 'ReasoningMessage']],
      [ids[4], []],
    ]);
  });

  it("never shows another organization's messages", async () => {
    const { stepId } = await conversation(other.organizationId);
    const mine = await insertStep(t.db, tenant.organizationId);
    // A message of the other organization that names this tenant's step.
    await insertMessage(t.db, other.organizationId, mine, { role: 'user', content: [{ type: 'text', text: 'not yours' }] });
    expect((await t.graphql(tenant.key, LIST, { id: stepId })).body.data.step).toBeNull();
    expect((await t.graphql(tenant.key, LIST, { id: mine })).body.data.step.lettaMessages.edges).toEqual([]);
  });
});

describe("the cost of Letta's view", () => {
  it('is one statement for the LettaMessages of a whole page of steps, whatever its size', async () => {
    // What the seed draws depends on the organization's id: a fixed one makes the page hold every kind of row.
    const seeded = await createTenant(t.db, 'Seeded', 'org-5eed0000-0000-4000-8000-000000000003');
    await seed(t.db.sql, { organizationId: seeded.organizationId, steps: 60, seed: 3 });
    const query = `query($n: Int!) { steps(first: $n) { nodes { id lettaMessages(first: 50) { totalCount skipped { reason } nodes { __typename ... on LettaMessageBase { id index } } } } } }`;
    const small = await t.queryStatements(seeded.key, query, { n: 5 });
    const large = await t.queryStatements(seeded.key, query, { n: 50 });
    const items = large.body.data.steps.nodes.flatMap((step: any) => step.lettaMessages.nodes);
    expect(items.length).toBeGreaterThan(100);
    // The seed writes every kind of row, legacy function rows (which Letta's server cannot show) among them.
    expect(new Set(items.map((item: any) => item.__typename))).toEqual(
      new Set(['UserMessage', 'SystemMessage', 'ReasoningMessage', 'HiddenReasoningMessage', 'ToolCallMessage', 'ToolReturnMessage', 'AssistantMessage', 'ApprovalRequestMessage', 'ApprovalResponseMessage']),
    );
    // The key, the page of steps, and every step's message rows.
    expect(small.statements).toHaveLength(3);
    expect(large.statements).toHaveLength(3);
  });
});
