import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertMessage, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';
import { pageThrough } from './helpers/pages.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

/** The tenant's steps, oldest first by (created_at, id), as the gateway must order them. */
const steps: { id: string; createdAt: string; fields: Record<string, unknown> }[] = [];

const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: StepFilter, $orderBy: StepOrder) {
  steps(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function list(variables: Record<string, unknown>, key = tenant.key) {
  const response = await t.graphql(key, LIST, variables);
  return response;
}
const ids = (response: Awaited<ReturnType<typeof list>>) => response.body.data.steps.nodes.map((node: { id: string }) => node.id);

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');

  // 30 steps across agents, runs, models, statuses and feedback; several share one millisecond (distinct
  // microseconds) and two share the exact same instant, so only (created_at, id) orders them totally.
  const agents = ['agent-a', 'agent-b', 'agent-c'];
  for (let i = 0; i < 30; i++) {
    const second = String(Math.floor(i / 3)).padStart(2, '0');
    const micros = i === 7 ? '000500' : String((i % 3) * 100 + 1).padStart(6, '0');
    const createdAt = i === 8 ? '2025-05-01T10:00:02.000500Z' : `2025-05-01T10:00:${second}.${micros}Z`;
    const fields = {
      agent_id: agents[i % 3],
      run_id: `run-${i % 5}`,
      model: i % 2 === 0 ? 'gpt-4o-mini' : 'claude-sonnet-4-5',
      model_handle: i % 2 === 0 ? 'openai/gpt-4o-mini' : 'anthropic/claude-sonnet-4-5',
      provider_name: i % 2 === 0 ? 'openai' : 'anthropic',
      project_id: i < 10 ? 'project-x' : null,
      status: (['SUCCESS', 'FAILED', 'PENDING', 'CANCELLED'] as const)[i % 4],
      stop_reason: (['end_turn', 'error', null, 'cancelled'] as const)[i % 4],
      feedback: i % 5 === 0 ? 'positive' : i % 5 === 1 ? 'negative' : null,
      tags: i % 6 === 0 ? ['good', 'fast'] : i % 6 === 3 ? ['good'] : [],
      trace_id: `trace-${i}`,
      created_at: createdAt,
    };
    const id = await insertStep(t.db, tenant.organizationId, fields);
    steps.push({ id, createdAt, fields });
  }
  steps.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  // Another organization's steps never appear, whatever the filter.
  for (let i = 0; i < 5; i++) await insertStep(t.db, other.organizationId, { agent_id: 'agent-a', tags: ['good', 'fast'], created_at: '2025-05-01T10:00:05Z' });
  // Nor do deleted steps.
  await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-a', is_deleted: true });
});
afterAll(() => t.close());

const newestFirst = () => [...steps].reverse().map((step) => step.id);
const oldestFirst = () => steps.map((step) => step.id);

describe('steps', () => {
  it('lists newest first, 20 per page by default, with totalCount, edges and nodes agreeing', async () => {
    const response = await list({});
    expect(response.body.errors).toBeUndefined();
    const { totalCount, edges, pageInfo } = response.body.data.steps;
    expect(totalCount).toBe(30);
    expect(ids(response)).toEqual(newestFirst().slice(0, 20));
    expect(edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(ids(response));
    expect(pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: edges[0].cursor,
      endCursor: edges[19].cursor,
    });
  });

  for (const direction of ['DESC', 'ASC'] as const) {
    const expected = () => (direction === 'DESC' ? newestFirst() : oldestFirst());

    it(`pages forward through the whole list with first/after (${direction}), exactly once each`, async () => {
      const { nodes, pages } = await pageThrough<{ id: string }>('forward', async (after) =>
        (await list({ first: 7, after, orderBy: { field: 'CREATED_AT', direction } })).body.data.steps,
      );
      expect(nodes.map((node) => node.id)).toEqual(expected());
      expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual(pages.map((_, i) => i > 0));
    });

    it(`pages backward through the whole list with last/before (${direction})`, async () => {
      const { nodes, pages } = await pageThrough<{ id: string }>('backward', async (before) =>
        (await list({ last: 7, before, orderBy: { field: 'CREATED_AT', direction } })).body.data.steps,
      );
      expect(nodes.map((node) => node.id)).toEqual(expected());
      expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual(pages.map((_, i) => i > 0));
    });
  }

  it('returns the items between two cursors when both after and before are given', async () => {
    const all = await list({ first: 30 });
    const edges = all.body.data.steps.edges;
    const response = await list({ first: 30, after: edges[3].cursor, before: edges[9].cursor });
    expect(ids(response)).toEqual(newestFirst().slice(4, 9));
  });

  it('treats the end of the list and an empty page correctly', async () => {
    const all = await list({ first: 30 });
    const last = all.body.data.steps.pageInfo.endCursor;
    expect(all.body.data.steps.pageInfo.hasNextPage).toBe(false);
    const after = await list({ first: 5, after: last });
    expect(after.body.data.steps).toMatchObject({
      nodes: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });
    const zero = await list({ first: 0 });
    expect(zero.body.data.steps.nodes).toEqual([]);
    expect(zero.body.data.steps.totalCount).toBe(30);
  });

  it('says whether items follow an empty page: first: 0 and last: 0 report the rest of the list', async () => {
    expect((await list({ first: 0 })).body.data.steps.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect((await list({ last: 0 })).body.data.steps.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const end = (await list({ first: 30 })).body.data.steps.pageInfo.endCursor;
    expect((await list({ first: 0, after: end })).body.data.steps.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const start = (await list({ first: 1 })).body.data.steps.pageInfo.startCursor;
    expect((await list({ last: 0, before: start })).body.data.steps.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('rejects bad pagination arguments with BAD_USER_INPUT', async () => {
    for (const variables of [
      { first: 101 },
      { last: 101 },
      { first: -1 },
      { first: 5, last: 5 },
      { after: 'not-a-cursor' },
      { before: Buffer.from('["yesterday","step-1"]').toString('base64url') },
      { after: Buffer.from('{"id":"step-1"}').toString('base64url') },
    ]) {
      const response = await list(variables);
      expect(codesOf(response), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a cursor of another list or order, and one made or edited by hand, with BAD_USER_INPUT', async () => {
    const newest = (await list({ first: 5 })).body.data.steps.pageInfo.endCursor as string;
    const oldest = (await list({ first: 5, orderBy: { direction: 'ASC' } })).body.data.steps.pageInfo.endCursor as string;
    const [step] = steps;
    await insertMessage(t.db, tenant.organizationId, step!.id, { created_at: '2025-05-01T10:00:00Z' });
    const messages = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { messages { pageInfo { endCursor } } } }`, { id: step!.id });
    const messageCursor = messages.body.data.step.messages.pageInfo.endCursor as string;
    // The same position, spelled by hand as the cursor's payload, with and without the signature of another.
    const [payload, signature] = newest.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, string];
    const moved = Buffer.from(JSON.stringify([decoded[0], '2025-05-01T10:00:05.000101Z', decoded[2]])).toString('base64url');
    for (const [variables, message] of [
      [{ first: 5, after: oldest }, /another list or order/],
      [{ first: 5, after: newest, orderBy: { direction: 'ASC' } }, /another list or order/],
      [{ first: 5, after: messageCursor }, /another list or order/],
      [{ first: 5, after: payload }, /not a cursor returned by this API/],
      [{ first: 5, after: `${moved}.${signature}` }, /not a cursor returned by this API/],
      [{ last: 5, before: `${payload}.${'A'.repeat(signature.length)}` }, /not a cursor returned by this API/],
    ] as const) {
      const response = await list(variables);
      expect(codesOf(response), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0]!.message).toMatch(message);
    }
    // A message cursor belongs to its step's messages, and is refused by another step's.
    const other = await t.graphql(tenant.key, `query($id: ID!, $after: String) { step(id: $id) { messages(after: $after) { nodes { id } } } }`, {
      id: steps[1]!.id,
      after: messageCursor,
    });
    expect(codesOf(other)).toEqual(['BAD_USER_INPUT']);
    expect((await list({ first: 5, after: newest })).body.errors).toBeUndefined();
  });

  it("never uses another organization's rows, even through a cursor taken from them", async () => {
    const foreign = await list({ first: 5 }, other.key);
    expect(foreign.body.data.steps.totalCount).toBe(5);
    const response = await list({ first: 100, after: foreign.body.data.steps.pageInfo.startCursor });
    // The cursor is a position, not a row: the page is this organization's steps past it, and only those.
    expect(ids(response).length).toBeGreaterThan(0);
    for (const id of ids(response)) expect(oldestFirst()).toContain(id);
  });
});

describe('steps(filter)', () => {
  const cases: [string, Record<string, unknown>, (fields: Record<string, unknown>) => boolean][] = [
    ['agentId', { agentId: 'agent-b' }, (f) => f.agent_id === 'agent-b'],
    ['runId', { runId: 'run-2' }, (f) => f.run_id === 'run-2'],
    ['model', { model: 'gpt-4o-mini' }, (f) => f.model === 'gpt-4o-mini'],
    ['modelHandle', { modelHandle: 'anthropic/claude-sonnet-4-5' }, (f) => f.model_handle === 'anthropic/claude-sonnet-4-5'],
    ['providerName', { providerName: 'anthropic' }, (f) => f.provider_name === 'anthropic'],
    ['projectId', { projectId: 'project-x' }, (f) => f.project_id === 'project-x'],
    ['status', { status: 'FAILED' }, (f) => f.status === 'FAILED'],
    ['stopReason', { stopReason: 'CANCELLED' }, (f) => f.stop_reason === 'cancelled'],
    ['feedback', { feedback: 'POSITIVE' }, (f) => f.feedback === 'positive'],
    ['hasFeedback: true', { hasFeedback: true }, (f) => f.feedback !== null],
    ['hasFeedback: false', { hasFeedback: false }, (f) => f.feedback === null],
    ['tags (one)', { tags: ['good'] }, (f) => (f.tags as string[]).includes('good')],
    ['tags (all of them)', { tags: ['good', 'fast'] }, (f) => (f.tags as string[]).includes('fast')],
    ['traceIds', { traceIds: ['trace-3', 'trace-4', 'trace-unknown'] }, (f) => ['trace-3', 'trace-4'].includes(f.trace_id as string)],
    ['traceIds (empty)', { traceIds: [] }, () => false],
    ['createdAfter', { createdAfter: '2025-05-01T10:00:05.000200Z' }, (f) => (f.created_at as string) > '2025-05-01T10:00:05.000200Z'],
    ['createdBefore', { createdBefore: '2025-05-01T12:00:03+02:00' }, (f) => (f.created_at as string) < '2025-05-01T10:00:03.000000Z'],
    [
      'several at once',
      { agentId: 'agent-a', model: 'gpt-4o-mini', createdAfter: '2025-05-01T10:00:01Z', createdBefore: '2025-05-01T10:00:08Z' },
      (f) =>
        f.agent_id === 'agent-a' &&
        f.model === 'gpt-4o-mini' &&
        (f.created_at as string) > '2025-05-01T10:00:01.000000Z' &&
        (f.created_at as string) < '2025-05-01T10:00:08.000000Z',
    ],
  ];

  for (const [name, filter, matches] of cases) {
    it(`filters by ${name}`, async () => {
      const expected = [...steps].reverse().filter((step) => matches(step.fields)).map((step) => step.id);
      const response = await list({ first: 100, filter });
      expect(response.body.errors).toBeUndefined();
      expect(ids(response)).toEqual(expected);
      expect(response.body.data.steps.totalCount).toBe(expected.length);
      if (name !== 'traceIds (empty)') expect(expected.length).toBeGreaterThan(0);
      if (!name.startsWith('hasFeedback')) expect(expected.length).toBeLessThan(30);
    });
  }

  it('paginates within a filter', async () => {
    const expected = [...steps].reverse().filter((step) => step.fields.agent_id === 'agent-a').map((step) => step.id);
    const first = await list({ first: 4, filter: { agentId: 'agent-a' } });
    const second = await list({ first: 4, after: first.body.data.steps.pageInfo.endCursor, filter: { agentId: 'agent-a' } });
    expect([...ids(first), ...ids(second)]).toEqual(expected.slice(0, 8));
  });

  it('rejects contradictory or oversized filters with BAD_USER_INPUT', async () => {
    for (const filter of [
      { createdAfter: '2025-05-02T00:00:00Z', createdBefore: '2025-05-01T00:00:00Z' },
      { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) },
      { createdAfter: 'yesterday' },
    ]) {
      const response = await list({ filter });
      expect(codesOf(response), JSON.stringify(filter)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('times', () => {
  it('come out as stored, to the microsecond, so that a time read and sent back in a filter excludes its own step', async () => {
    const newestFirstTimes = await t.graphql(tenant.key, `{ steps(first: 100) { nodes { id createdAt } } }`);
    const nodes = newestFirstTimes.body.data.steps.nodes as { id: string; createdAt: string }[];
    const byId = new Map(steps.map((step) => [step.id, step.createdAt]));
    expect(nodes).toHaveLength(Math.min(100, steps.length));
    for (const node of nodes) expect(node.createdAt).toBe(byId.get(node.id));
    // Polling by time: everything after the newest seen is nothing; after one that shares its millisecond
    // with others (microseconds apart) it is exactly the later ones.
    const newest = await list({ first: 100, filter: { createdAfter: nodes[0]!.createdAt } });
    expect(ids(newest)).toEqual([]);
    const sharing = steps.findIndex((step) => step.createdAt === '2025-05-01T10:00:00.000101Z');
    expect(sharing).toBeGreaterThanOrEqual(0);
    const later = await list({ first: 100, filter: { createdAfter: steps[sharing]!.createdAt } });
    expect(ids(later)).toEqual(steps.slice(sharing + 1).filter((step) => step.createdAt > steps[sharing]!.createdAt).map((step) => step.id).reverse());
  });
});

describe('steps without created_at', () => {
  it('lists them as older than every dated step: last newest first (the default), first oldest first, paging both ways', async () => {
    const legacy = await createTenant(t.db, 'Legacy');
    const dated = [
      await insertStep(t.db, legacy.organizationId, { created_at: '2025-01-01T00:00:01Z' }),
      await insertStep(t.db, legacy.organizationId, { created_at: '2025-01-01T00:00:02Z' }),
    ];
    const undated = [await insertStep(t.db, legacy.organizationId, { created_at: null }), await insertStep(t.db, legacy.organizationId, { created_at: null })].sort();
    const ascending = [...undated, ...dated];
    // The default order, newest first, starts with the newest dated step and ends with the undated ones.
    expect(ids(await list({ first: 10 }, legacy.key))).toEqual([...ascending].reverse());
    for (const direction of ['ASC', 'DESC'] as const) {
      const expected = direction === 'ASC' ? ascending : [...ascending].reverse();
      for (const way of ['forward', 'backward'] as const) {
        const { nodes } = await pageThrough<{ id: string }>(way, async (cursor) => {
          const args = way === 'forward' ? { first: 1, after: cursor } : { last: 1, before: cursor };
          return (await list({ ...args, orderBy: { field: 'CREATED_AT', direction } }, legacy.key)).body.data.steps;
        });
        expect(nodes.map((node) => node.id), `${direction} ${way}`).toEqual(expected);
      }
    }
  });
});
