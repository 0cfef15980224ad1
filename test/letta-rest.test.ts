import { randomUUID } from 'node:crypto';

import Letta, { APIError, NotFoundError, UnprocessableEntityError } from '@letta-ai/letta-client';
import type { MessageListResponse } from '@letta-ai/letta-client/resources/steps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKey } from '../src/auth/api-keys.ts';
import { prepareDatabase } from '../src/startup.ts';
import { createLogger } from '../src/logger.ts';
import { stepJson } from '../src/rest/operations.ts';
import { createEmptyDatabase } from './helpers/database.ts';
import { createTenant, insertMessage, insertMetrics, insertStep, insertTrace, newId } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { send, serve } from './helpers/http.ts';
import { LETTA_SCHEMA } from './helpers/letta-schema.ts';
import { readmeCopiesOf, runExample } from './helpers/process.ts';

/** Ids as Letta makes them: a UUID of version 4, in lower case. */
const lettaId = (prefix: string) => `${prefix}-${randomUUID()}`;

let t: TestGateway;
let server: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;
let letta: Letta;
/** The tenant's steps, newest first. */
const steps: { id: string; agentId: string; model: string; tags: string[]; feedback: string | null; traceId: string; createdAt: string }[] = [];
const AGENTS = [lettaId('agent'), lettaId('agent')];

const client = (apiKey: string) => new Letta({ apiKey, baseURL: server.base, maxRetries: 0 });

beforeAll(async () => {
  t = await createTestGateway();
  server = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
  letta = client(tenant.key);
  for (let i = 0; i < 23; i++) {
    const step = {
      id: lettaId('step'),
      agentId: AGENTS[i % 2]!,
      model: i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      tags: [...(i % 2 === 0 ? ['golden'] : []), ...(i % 5 === 0 ? ['refund'] : [])],
      feedback: i % 4 === 0 ? 'positive' : i % 4 === 1 ? 'negative' : null,
      traceId: `trace-${i}`,
      // Two steps share each second below the first, so that ties are broken by id.
      createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, Math.floor(i / 2))).toISOString(),
    };
    await insertStep(t.db, tenant.organizationId, {
      id: step.id,
      agent_id: step.agentId,
      model: step.model,
      tags: step.tags,
      feedback: step.feedback,
      trace_id: step.traceId,
      created_at: step.createdAt,
      stop_reason: 'end_turn',
      prompt_tokens: 10 + i,
      completion_tokens: 5,
      total_tokens: 15 + i,
    });
    steps.push(step);
  }
  steps.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  await insertStep(t.db, other.organizationId, { id: lettaId('step'), tags: ['golden'] });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

/** The same list through GraphQL, in the same order. */
async function graphqlIds(filter: Record<string, unknown> = {}, direction = 'DESC'): Promise<string[]> {
  const response = await t.graphql(tenant.key, `query($filter: StepFilter, $orderBy: StepOrder) { steps(first: 100, filter: $filter, orderBy: $orderBy) { nodes { id } } }`, {
    filter,
    orderBy: { field: 'CREATED_AT', direction },
  });
  return response.body.data.steps.nodes.map((node: { id: string }) => node.id);
}

describe("Letta's client against the gateway: steps.list", () => {
  it('pages through every step of the organization, newest first, then oldest first', async () => {
    const listed: string[] = [];
    for await (const step of letta.steps.list({ limit: 5 })) listed.push(step.id);
    expect(listed).toEqual(steps.map((step) => step.id));
    expect(listed).toEqual(await graphqlIds());
    const ascending: string[] = [];
    for await (const step of letta.steps.list({ limit: 4, order: 'asc' })) ascending.push(step.id);
    expect(ascending).toEqual([...listed].reverse());
  });

  it('pages backwards from a cursor with `before`, each page the steps right after the last', async () => {
    const oldest = steps.at(-1)!.id;
    const pages: string[][] = [];
    for await (const page of (await letta.steps.list({ before: oldest, limit: 4 })).iterPages()) pages.push(page.getPaginatedItems().map((step) => step.id));
    // Each page is newest first; the pages go from the oldest steps to the newest.
    const expected = steps.slice(0, -1).map((step) => step.id);
    expect(pages.reverse().flat()).toEqual(expected);
  });

  it('pages between two cursors, both ways and in both orders, losing nothing', async () => {
    const ids = steps.map((step) => step.id);
    for (const order of ['desc', 'asc'] as const) {
      const list = order === 'desc' ? ids : [...ids].reverse();
      const [after, before] = [list[2]!, list[15]!];
      const between: string[] = [];
      // With `before`, Letta's client pages back from it, keeping `after`.
      for await (const page of (await letta.steps.list({ order, after, before, limit: 4 })).iterPages()) between.unshift(...page.getPaginatedItems().map((step) => step.id));
      expect(between).toEqual(list.slice(3, 15));
    }
  });

  it('filters: tags that filter, model, agent, feedback, dates and trace ids', async () => {
    const ids = async (query: Parameters<Letta['steps']['list']>[0]) => {
      const found: string[] = [];
      for await (const step of letta.steps.list({ limit: 100, ...query })) found.push(step.id);
      return found;
    };
    const golden = await ids({ tags: ['golden'] });
    expect(golden).toEqual(steps.filter((step) => step.tags.includes('golden')).map((step) => step.id));
    expect(golden).toEqual(await graphqlIds({ tags: ['golden'] }));
    expect(await ids({ tags: ['golden', 'refund'] })).toEqual(steps.filter((step) => step.tags.includes('golden') && step.tags.includes('refund')).map((step) => step.id));
    expect(await ids({ model: 'gpt-4o' })).toEqual(steps.filter((step) => step.model === 'gpt-4o').map((step) => step.id));
    expect(await ids({ agent_id: AGENTS[0]! })).toEqual(steps.filter((step) => step.agentId === AGENTS[0]).map((step) => step.id));
    expect(await ids({ feedback: 'negative' })).toEqual(steps.filter((step) => step.feedback === 'negative').map((step) => step.id));
    expect(await ids({ has_feedback: false })).toEqual(steps.filter((step) => step.feedback === null).map((step) => step.id));
    expect(await ids({ trace_ids: ['trace-3', 'trace-7'] })).toEqual(steps.filter((step) => ['trace-3', 'trace-7'].includes(step.traceId)).map((step) => step.id));
    // Strictly after and before, as Letta compares them.
    expect(await ids({ start_date: '2025-01-01T12:00:03Z', end_date: '2025-01-01T12:00:06+00:00' })).toEqual(
      steps.filter((step) => step.createdAt > '2025-01-01T12:00:03.000Z' && step.createdAt < '2025-01-01T12:00:06.000Z').map((step) => step.id),
    );
    expect(await ids({ start_date: '2025-01-02' })).toEqual([]);
  });
});

describe("Letta's client against the gateway: one step", () => {
  it('retrieves a step in Letta’s shape, the same row GraphQL answers', async () => {
    const id = steps[0]!.id;
    const step = await letta.steps.retrieve(id);
    const fields = (await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { id model tags feedback status stopReason totalTokens agentId traceId } }`, { id })).body.data.step;
    expect(step).toMatchObject({
      id,
      model: fields.model,
      tags: fields.tags,
      feedback: fields.feedback?.toLowerCase() ?? null,
      status: 'success',
      stop_reason: 'end_turn',
      total_tokens: fields.totalTokens,
      agent_id: fields.agentId,
      trace_id: fields.traceId,
      organization_id: tenant.organizationId,
      messages: [],
    });
    expect(Object.keys(step).sort()).toEqual(Object.keys(stepJson(await graphqlStep(id))).sort());
  });

  it('retrieves its metrics, nanoseconds written exactly, and 404 for a step without any', async () => {
    const id = steps[1]!.id;
    await insertMetrics(t.db, id, { step_start_ns: '1735732800123456789', step_ns: 2_500_000_000, llm_request_ns: 1_200_000_000, organization_id: tenant.organizationId });
    const metrics = await letta.steps.metrics.retrieve(id);
    expect(metrics).toMatchObject({ id, step_ns: 2_500_000_000, llm_request_ns: 1_200_000_000, tool_execution_ns: null });
    const raw = await send(`${server.base}/v1/steps/${id}/metrics`, { headers: { authorization: `Bearer ${tenant.key}` } });
    expect(raw.text).toContain('"step_start_ns":1735732800123456789');
    await expect(letta.steps.metrics.retrieve(steps[2]!.id)).rejects.toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
  });

  it('retrieves its trace, and null for a step that has none', async () => {
    const id = steps[3]!.id;
    const traceId = await insertTrace(t.db, tenant.organizationId, id, { request_json: { model: 'gpt-4o', messages: [] }, call_type: 'agent_step' });
    const trace = await letta.steps.trace.retrieve(id);
    expect(trace).toMatchObject({ id: traceId, step_id: id, request_json: { model: 'gpt-4o', messages: [] }, call_type: 'agent_step', billing_context: null });
    expect(await letta.steps.trace.retrieve(steps[4]!.id)).toBeNull();
  });

  it('lists its messages as Letta’s LettaMessages, paging both ways by message', async () => {
    const id = steps[5]!.id;
    const at = (s: number) => `2025-01-01T13:00:0${s}.000001Z`;
    const call = (callId: string, name: string, args: unknown) => ({ id: callId, type: 'function', function: { name, arguments: JSON.stringify(args) } });
    const rows = [lettaId('message'), lettaId('message'), lettaId('message'), lettaId('message'), lettaId('message')];
    await insertMessage(t.db, tenant.organizationId, id, { id: rows[0], role: 'user', created_at: at(0), content: [{ type: 'text', text: 'Refund order 7?' }] });
    await insertMessage(t.db, tenant.organizationId, id, { id: rows[1], role: 'assistant', created_at: at(1), content: [{ type: 'text', text: 'Check it.' }], tool_calls: [call('c1', 'lookup_order', { id: 7 })] });
    await insertMessage(t.db, tenant.organizationId, id, {
      id: rows[2],
      role: 'tool',
      created_at: at(2),
      tool_call_id: 'c1',
      tool_returns: [{ tool_call_id: 'c1', status: 'success', func_response: '{"status": "OK", "message": {"paid": true}}' }],
    });
    await insertMessage(t.db, tenant.organizationId, id, { id: rows[3], role: 'assistant', created_at: at(3), content: [{ type: 'reasoning', is_native: true, reasoning: 'Paid.' }], tool_calls: [call('c2', 'send_message', { message: 'Refunded.' })] });
    await insertMessage(t.db, tenant.organizationId, id, {
      id: rows[4],
      role: 'tool',
      created_at: at(4),
      tool_call_id: 'c2',
      tool_returns: [{ tool_call_id: 'c2', status: 'success', func_response: '{"status": "OK", "message": "None"}' }],
    });
    const all: MessageListResponse[] = [];
    for await (const message of letta.steps.messages.list(id)) all.push(message);
    expect(all.map((message) => [message.id, message.message_type])).toEqual([
      [rows[0], 'user_message'],
      [rows[1], 'tool_call_message'],
      [rows[1], 'reasoning_message'],
      [rows[2], 'tool_return_message'],
      [rows[3], 'assistant_message'],
      [rows[3], 'reasoning_message'],
    ]);
    expect(all[0]).toMatchObject({ content: 'Refund order 7?', date: '2025-01-01T13:00:00+00:00', step_id: id });
    expect(all[3]).toMatchObject({ tool_return: "{'paid': True}", status: 'success', tool_call_id: 'c1', tool_returns: [{ type: 'tool', tool_return: "{'paid': True}", status: 'success', tool_call_id: 'c1' }] });
    expect(all[4]).toMatchObject({ content: 'Refunded.' });
    expect(all[5]).toMatchObject({ reasoning: 'Paid.', source: 'reasoner_model' });

    // One message row per page: the row's LettaMessages are never split.
    const onePerPage = [];
    for await (const message of letta.steps.messages.list(id, { limit: 1 })) onePerPage.push(message);
    expect(onePerPage).toEqual(all);
    const newestFirst = [];
    for await (const message of letta.steps.messages.list(id, { limit: 2, order: 'desc' })) newestFirst.push(`${message.id}:${message.message_type}`);
    expect(newestFirst).toEqual([`${rows[3]}:assistant_message`, `${rows[3]}:reasoning_message`, `${rows[2]}:tool_return_message`, `${rows[1]}:tool_call_message`, `${rows[1]}:reasoning_message`, `${rows[0]}:user_message`]);
    const backwards = await letta.steps.messages.list(id, { before: rows[3], limit: 2 });
    expect(backwards.getPaginatedItems().map((message) => message.id)).toEqual([rows[1], rows[1], rows[2]]);
    // Between two messages, in both orders, one row per page: what lies between, nothing lost.
    const itemsOfRow = (row: string) => all.filter((message) => message.id === row).map((message) => `${message.id}:${message.message_type}`);
    for (const order of ['asc', 'desc'] as const) {
      const [after, before] = order === 'asc' ? [rows[0]!, rows[3]!] : [rows[3]!, rows[0]!];
      const between: string[] = [];
      for await (const page of (await letta.steps.messages.list(id, { order, after, before, limit: 1 })).iterPages()) {
        between.unshift(...page.getPaginatedItems().map((message) => `${message.id}:${message.message_type}`));
      }
      expect(between).toEqual(order === 'asc' ? [...itemsOfRow(rows[1]!), ...itemsOfRow(rows[2]!)] : [...itemsOfRow(rows[2]!), ...itemsOfRow(rows[1]!)]);
    }

    // The same LettaMessages GraphQL lists.
    const graphql = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { lettaMessages { nodes { __typename ... on LettaMessageBase { id otid } } } } }`, { id });
    expect(graphql.body.data.step.lettaMessages.nodes.map((node: any) => [node.id, node.otid])).toEqual(all.map((message) => [message.id, message.otid]));

    // A row Letta's own server fails the whole list on is left out, and named in a header.
    const legacy = await insertMessage(t.db, tenant.organizationId, id, { role: 'function', created_at: at(5), content: [{ type: 'text', text: 'ok' }] });
    const { data, response } = await letta.steps.messages.list(id).withResponse();
    expect(data.getPaginatedItems()).toEqual(all);
    expect(response.headers.get('x-letta-skipped-messages')).toBe(legacy);
  });

  it('records feedback, changing only what it sends', async () => {
    const id = steps[6]!.id;
    const before = await letta.steps.retrieve(id);
    const tagged = await letta.steps.feedback.create(id, { tags: ['reviewed', ...(before.tags ?? [])] });
    expect(tagged.feedback).toBe(before.feedback);
    expect(tagged.tags).toEqual([...(before.tags ?? []), 'reviewed']);
    const positive = await letta.steps.feedback.create(id, { feedback: 'positive' });
    expect(positive).toMatchObject({ feedback: 'positive', tags: tagged.tags });
    expect((await letta.steps.feedback.create(id, { feedback: null })).feedback).toBeNull();
    // Nothing sent, nothing changed (Letta's server would clear the feedback).
    await letta.steps.feedback.create(id, { feedback: 'negative' });
    expect(await letta.steps.feedback.create(id, {})).toMatchObject({ feedback: 'negative', tags: tagged.tags });
    await letta.steps.feedback.create(id, { feedback: null });
    const stored = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { feedback tags } }`, { id });
    expect(stored.body.data.step).toEqual({ feedback: null, tags: tagged.tags });
  });
});

async function graphqlStep(id: string) {
  const { LettaRetrieveStepDocument } = await import('../src/rest/generated.ts');
  const { print } = await import('graphql');
  return (await t.graphql(tenant.key, print(LettaRetrieveStepDocument), { id })).body.data.step;
}

describe("Letta's routes refuse what they cannot serve, in Letta's shape", () => {
  const get = (path: string, key: string | null = tenant.key) => send(`${server.base}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

  it('404 for a step that does not exist, or exists in another organization', async () => {
    const foreign = (await t.db.sql.query<{ id: string }>(`SELECT id FROM steps WHERE organization_id = $1`, [other.organizationId]))[0]!.id;
    for (const id of [lettaId('step'), foreign]) {
      const error = await letta.steps.retrieve(id).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as APIError).error).toEqual({ detail: `Step not found with id='${id}'`, code: 'NOT_FOUND' });
      for (const route of ['metrics', 'trace', 'messages']) expect((await get(`/v1/steps/${id}/${route}`)).status).toBe(404);
    }
    // The other organization's step is not in the list either, nor can it be a cursor.
    const listed: string[] = [];
    for await (const step of letta.steps.list({ tags: ['golden'] })) listed.push(step.id);
    expect(listed).not.toContain(foreign);
    expect((await get(`/v1/steps/?after=${foreign}`)).status).toBe(422);
  });

  it('422 naming the parameter: malformed ids and cursors, unknown values and parameters, limits, dates', async () => {
    const cases: [string, string[]][] = [
      ['/v1/steps/step-1', ['path', 'step_id']],
      ['/v1/steps/%E0%A4%A/messages', ['path', 'step_id']],
      [`/v1/steps/${newId('step').toUpperCase().replace('STEP', 'step')}`, ['path', 'step_id']],
      ['/v1/steps/?limit=101', ['query', 'limit']],
      ['/v1/steps/?limit=-1', ['query', 'limit']],
      ['/v1/steps/?order=sideways', ['query', 'order']],
      ['/v1/steps/?order_by=model', ['query', 'order_by']],
      ['/v1/steps/?after=step-nope', ['query', 'after']],
      ['/v1/steps/?start_date=yesterday', ['query', 'start_date']],
      ['/v1/steps/?start_date=2025-02-01T00:00:00Z&end_date=2025-01-01T00:00:00Z', ['query', 'start_date']],
      ['/v1/steps/?feedback=meh', ['query', 'feedback']],
      ['/v1/steps/?has_feedback=maybe', ['query', 'has_feedback']],
      ['/v1/steps/?agent_id=agent-1', ['query', 'agent_id']],
      ['/v1/steps/?tag=golden', ['query', 'tag']],
      [`/v1/steps/${steps[0]!.id}/messages?limit=5000`, ['query', 'limit']],
      [`/v1/steps/${steps[0]!.id}/messages?after=message-x`, ['query', 'after']],
      [`/v1/steps/${steps[0]!.id}/messages?after=${newId('message')}`, ['query', 'after']],
      [`/v1/steps/${steps[0]!.id}/messages?order=desc&after=${newId('message')}`, ['query', 'after']],
    ];
    for (const [path, loc] of cases) {
      const result = await get(path);
      expect({ path, status: result.status, loc: result.json?.loc, code: result.json?.code }).toEqual({ path, status: 422, loc, code: 'BAD_USER_INPUT' });
      expect(typeof result.json.detail).toBe('string');
    }
    await expect(letta.steps.list({ limit: 1000 }).then((page) => page.getPaginatedItems())).rejects.toBeInstanceOf(UnprocessableEntityError);
    const patch = (body: string) =>
      send(`${server.base}/v1/steps/${steps[0]!.id}/feedback`, { method: 'PATCH', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' }, body });
    for (const [body, loc] of [['not json', 'body'], ['[]', 'body'], ['{"feedback": "meh"}', 'feedback'], ['{"tags": "x"}', 'tags'], ['{"tags": [""]}', 'tags']] as const) {
      const result = await patch(body);
      expect({ body, status: result.status, loc: result.json?.loc }).toEqual({ body, status: 422, loc: ['body', loc] });
    }
  });

  it('authenticates a request that asks for HTML like any other', async () => {
    const asPage = await send(`${server.base}/v1/steps/?limit=1`, { headers: { authorization: `Bearer ${tenant.key}`, accept: 'text/html' } });
    expect(asPage.status).toBe(200);
    expect((await send(`${server.base}/v1/steps/?limit=1`, { headers: { accept: 'text/html' } })).status).toBe(401);
  });

  it('404 for a route Letta’s API for steps does not have, 405 for a method it does not take, 401 without a key', async () => {
    expect(await get('/v1/agents/')).toMatchObject({ status: 404, json: { code: 'NOT_FOUND', detail: expect.any(String) } });
    expect(await get(`/v1/steps/${steps[0]!.id}/transaction/tx-1`)).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    const wrongMethod = await send(`${server.base}/v1/steps/${steps[0]!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${tenant.key}` } });
    expect(wrongMethod).toMatchObject({ status: 405, json: { code: 'METHOD_NOT_ALLOWED' } });
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    const anonymous = await get('/v1/steps/', null);
    expect(anonymous).toMatchObject({ status: 401, json: { code: 'UNAUTHENTICATED', detail: expect.stringContaining('API key') } });
    await expect(client('sgw_not-a-key').steps.list().then((page) => page.getPaginatedItems())).rejects.toMatchObject({ status: 401 });
  });

  it('goes through the same pipeline as GraphQL: a request id, an access log line and metrics by operation', async () => {
    const result = await send(`${server.base}/v1/steps/?limit=1`, { headers: { authorization: `Bearer ${tenant.key}`, 'x-request-id': 'rest-request-1' } });
    expect(result.status).toBe(200);
    expect(result.headers.get('x-request-id')).toBe('rest-request-1');
    expect(t.logLines).toContainEqual(expect.objectContaining({ msg: 'request', requestId: 'rest-request-1', operation: 'LettaListSteps', type: 'query', status: 200 }));
    await get(`/v1/steps/${lettaId('step')}`);
    const patch = await send(`${server.base}/v1/steps/${steps[9]!.id}/feedback`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'x-request-id': 'rest-request-2' },
      body: '{"tags": ["logged"]}',
    });
    expect(patch.status).toBe(200);
    // Logged as the client sent it, though carried through the pipeline as a POST.
    expect(t.logLines).toContainEqual(expect.objectContaining({ msg: 'request', requestId: 'rest-request-2', method: 'PATCH', operation: 'LettaStepFeedback', type: 'mutation' }));
    const metrics = (await send(`${server.base}/metrics`)).text;
    expect(metrics).toMatch(/steps_gateway_graphql_requests_total\{operation="LettaListSteps",type="query",status="200"\} [1-9]/);
    expect(metrics).toMatch(/steps_gateway_graphql_requests_total\{operation="LettaRetrieveStep",type="query",status="404"\} [1-9]/);
  });

  it('costs what the GraphQL request costs: the key, then one statement (and one to place a step id given as a cursor)', async () => {
    const page = await t.statements(() => letta.steps.list({ limit: 50 }));
    expect(page.statements).toHaveLength(2);
    const after = await t.statements(() => letta.steps.list({ limit: 50, after: steps[3]!.id }));
    expect(after.statements).toHaveLength(3);
    const messages = await t.statements(() => letta.steps.messages.list(steps[5]!.id));
    // The key, the step, and its messages.
    expect(messages.statements).toHaveLength(3);
  });

  it('shares the rate limit of the key with GraphQL, and refuses a feedback token as GraphQL does', async () => {
    const limited = await createTestGateway({ database: t.database, security: { rateLimitPerMinute: 2 } });
    const limitedServer = await serve(limited.gateway);
    try {
      const api = new Letta({ apiKey: tenant.key, baseURL: limitedServer.base, maxRetries: 0 });
      await api.steps.retrieve(steps[0]!.id);
      expect((await limited.graphql(tenant.key, '{ steps(first: 1) { nodes { id } } }')).status).toBe(200);
      const refused = await api.steps.retrieve(steps[0]!.id).catch((error: unknown) => error as APIError);
      expect(refused).toMatchObject({ status: 429, error: { code: 'RATE_LIMITED', detail: expect.stringContaining('Rate limit') } });
      expect((refused as APIError).headers?.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await limitedServer.close();
    }
    const made = await t.graphql(tenant.key, `mutation($stepId: ID!) { createFeedbackToken(input: { stepId: $stepId }) { token } }`, { stepId: steps[0]!.id });
    const token = made.body.data.createFeedbackToken.token as string;
    const byToken = await send(`${server.base}/v1/steps/${steps[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(byToken).toMatchObject({ status: 403, json: { code: 'FORBIDDEN' } });
  });
});

describe("Letta's client over a database a Letta server wrote", () => {
  it('lists, retrieves and reads the rows as Letta would serve them', async () => {
    const database = await createEmptyDatabase();
    try {
      await database.db.sql.exec(LETTA_SCHEMA);
      await prepareDatabase(database.db, { migrateOnStart: true }, createLogger('silent'));
      const lettaDb = await createTestGateway({ database: { ...database, drop: async () => {} } });
      const served = await serve(lettaDb.gateway);
      try {
        const { key } = await createKey(database.db.prisma, 'org-00000000-0000-4000-8000-00000000000a');
        const api = new Letta({ apiKey: key, baseURL: served.base, maxRetries: 0 });
        const listed = [];
        for await (const step of api.steps.list()) listed.push(step);
        const id = 'step-11111111-1111-4111-8111-111111111111';
        expect(listed).toEqual([expect.objectContaining({ id, model: 'gpt-4o-mini', tags: ['letta'], status: 'success', stop_reason: 'end_turn', feedback: 'positive' })]);
        expect(await api.steps.retrieve(id)).toEqual(listed[0]);
        const raw = await send(`${served.base}/v1/steps/${id}/metrics`, { headers: { authorization: `Bearer ${key}` } });
        expect(raw.text).toContain('"step_ns":1234567890123456789');
        expect(await api.steps.trace.retrieve(id)).toMatchObject({ id: 'provider_trace-33333333-3333-4333-8333-333333333333', request_json: { model: 'gpt-4o-mini' } });
        const messages = [];
        for await (const message of api.steps.messages.list(id)) messages.push(message);
        expect(messages).toEqual([expect.objectContaining({ id: 'message-22222222-2222-4222-8222-222222222222', message_type: 'reasoning_message', reasoning: 'hm', source: 'reasoner_model' })]);
      } finally {
        await served.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe("the README's Letta client example", () => {
  it('shows examples/letta-client.ts as it is, and it lists, reads messages, tags and reads an error', async () => {
    const { readFileSync } = await import('node:fs');
    const file = 'examples/letta-client.ts';
    expect(readmeCopiesOf(file)).toEqual([readFileSync(file, 'utf8')]);
    const output = await runExample(file, `${server.base}/graphql`, tenant.key);
    expect(output.stderr).toBe('');
    expect(output.code).toBe(0);
    const [listed, messages, tagged, refused] = output.stdout.trim().split('\n');
    expect(listed).toBe(`${(await graphqlIds({ hasFeedback: false })).length} steps without feedback listed`);
    expect(messages).toMatch(/^step-\S+: /);
    expect(tagged).toMatch(/^step-\S+ tagged; 1 step\(s\) carry the tag; feedback /);
    expect(refused).toBe('refused: 404 NOT_FOUND');
  });
});
