import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { Client, CombinedError, fetchExchange, gql as urqlGql } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { keys, typePolicies } from '../examples/generated/cache-config.ts';
import graphcacheSchema from '../examples/generated/graphcache-schema.ts';
import {
  AgentStepsDocument,
  GiveFeedbackDocument,
  StepFeedbackDocument,
  StepLettaMessagesDocument,
  StepStatsByModelDocument,
  SubmitFeedbackDocument,
  type AgentStepsQuery,
  type StepFeedbackQuery,
} from '../examples/generated/operations/graphql.ts';
import possibleTypes from '../examples/generated/possible-types.ts';
import { DEFAULT_SECURITY } from '../src/config.ts';
import { seed } from '../src/db/seed.ts';
import { createTenant, insertMessage, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';
import { within } from './helpers/time.ts';

/**
 * The clients dashboards are built with, headless, against the gateway over HTTP with its protections on
 * (CSRF prevention included), using the operations and files that `npm run codegen` generates.
 */

let t: TestGateway;
let server: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let letta: Awaited<ReturnType<typeof createTenant>>;
let lettaStep: string;
const STEPS = 150;
/** The LettaMessages of `lettaStep`, as the server lists them. */
const LETTA_ITEMS = [
  ['ToolCallMessage', 0, 'c3'],
  ['AssistantMessage', 1, null],
  ['ToolCallMessage', 2, 'c1'],
];
const itemsOf = (nodes: any[]) => nodes.map((node) => [node.__typename, node.index, node.toolCalls?.[0]?.toolCallId ?? null]);
const CONTENT_TYPES = [
  'ImageContent', 'OmittedReasoningContent', 'ReasoningContent', 'RedactedReasoningContent',
  'SummarizedReasoningContent', 'TextContent', 'ToolCallContent', 'ToolReturnContent',
];

/** Neither client may warn with the generated configuration: a warning would reach every user's console. */
let warnings: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warnings = vi.spyOn(console, 'warn');
});
afterEach(() => {
  const calls = warnings.mock.calls;
  warnings.mockRestore();
  expect(calls).toEqual([]);
});

beforeAll(async () => {
  // The protections as a production deployment has them: CSRF prevention, limits, rate limits, the key cache.
  t = await createTestGateway({ security: DEFAULT_SECURITY });
  tenant = await createTenant(t.db, 'Clients');
  // Recent steps: stepStats without a start covers the organization's steps up to 400 days back.
  await seed(t.db.sql, { organizationId: tenant.organizationId, steps: STEPS, seed: 11, start: new Date(Date.now() - 30 * 86_400_000) });
  server = await serve(t.gateway);
  // A message row that Letta shows as three LettaMessages, two of them tool call messages: one id for all.
  letta = await createTenant(t.db, 'Letta view');
  lettaStep = await insertStep(t.db, letta.organizationId);
  const call = (id: string, name: string, args: unknown) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
  await insertMessage(t.db, letta.organizationId, lettaStep, {
    role: 'assistant',
    content: [],
    tool_calls: [call('c1', 'web_search', { q: 'a' }), call('c2', 'send_message', { message: 'Searching twice.' }), call('c3', 'web_search', { q: 'b' })],
  });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

/** The step count of each model of an agent's steps, as SQL counts them. */
async function countsByModel(agentId: string): Promise<Record<string, number>> {
  const rows = await t.db.sql.query<{ model: string; count: number }>(
    'SELECT model, count(*)::int AS count FROM steps WHERE organization_id = $1 AND agent_id = $2 AND NOT is_deleted GROUP BY model',
    [tenant.organizationId, agentId],
  );
  return Object.fromEntries(rows.map((row) => [row.model, row.count]));
}

/** Two agents of the seeded tenant, whose stats by model must never be mixed in a cache. */
async function twoAgents(): Promise<[string, string]> {
  const rows = await t.db.sql.query<{ agent_id: string }>('SELECT DISTINCT agent_id FROM steps WHERE organization_id = $1 ORDER BY 1 LIMIT 2', [tenant.organizationId]);
  return [rows[0]!.agent_id, rows[1]!.agent_id];
}

const byModel = (nodes: { model: string | null; stats: { count: number } }[]) => Object.fromEntries(nodes.map((node) => [node.model, node.stats.count]));

/** A fetch that counts the requests it sends. */
function countingFetch() {
  const counter = {
    requests: 0,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      counter.requests += 1;
      return fetch(input, init);
    }) as typeof fetch,
  };
  return counter;
}

type StepNode = AgentStepsQuery['steps']['edges'][number]['node'];

/** Every content part is complete: no field selected through a fragment went missing. */
function expectCompleteParts(steps: StepNode[]) {
  const seen = new Set<string>();
  for (const step of steps) {
    for (const message of step.messages.nodes) {
      for (const part of message.content) {
        seen.add(part.__typename);
        switch (part.__typename) {
          case 'TextContent':
            expect(typeof part.text).toBe('string');
            break;
          case 'ToolCallContent':
            expect(typeof part.name).toBe('string');
            expect(part.input).toBeTypeOf('object');
            break;
          case 'ToolReturnContent':
            expect(typeof part.isError).toBe('boolean');
            break;
          case 'ReasoningContent':
            expect(typeof part.reasoning).toBe('string');
            break;
          case 'RedactedReasoningContent':
            expect(typeof part.data).toBe('string');
            break;
          case 'SummarizedReasoningContent':
            expect(part.summary.length).toBeGreaterThan(0);
            break;
          case 'ImageContent':
            expect(part.source.__typename).toBe('LettaImageSource');
            break;
          case 'OmittedReasoningContent':
            expect(part.signature === null || typeof part.signature === 'string').toBe(true);
            break;
        }
      }
    }
  }
  expect([...seen].sort()).toEqual(CONTENT_TYPES);
}

describe('Apollo Client 4', () => {
  const apollo = (withPossibleTypes: boolean, fetchImpl: typeof fetch = fetch, key = tenant.key) =>
    new ApolloClient({
      link: new HttpLink({ uri: server.url, headers: { authorization: `Bearer ${key}` }, fetch: fetchImpl }),
      cache: new InMemoryCache({
        ...(withPossibleTypes ? { possibleTypes: possibleTypes.possibleTypes } : {}),
        typePolicies: { ...typePolicies, Query: { fields: { steps: relayStylePagination(['filter']) } } },
      }),
    });

  it('lists steps with messages and every content part, paginates by cursor, and updates the cache from a mutation', async () => {
    const counter = countingFetch();
    const client = apollo(true, counter.fetch);
    const first = await client.query({ query: AgentStepsDocument, variables: { first: 50 } });
    expect(first.data!.steps.edges).toHaveLength(50);
    expect(first.data!.steps.totalCount).toBe(STEPS);

    // Walk the list with fetchMore: relayStylePagination merges the pages into one list in the cache.
    let page = first.data!.steps;
    const watched = client.watchQuery({ query: AgentStepsDocument, variables: { first: 50 } });
    const results: AgentStepsQuery[] = [];
    const subscription = watched.subscribe(({ data }) => data && results.push(data as AgentStepsQuery));
    while (page.pageInfo.hasNextPage) {
      const more = await watched.fetchMore({ variables: { after: page.pageInfo.endCursor } });
      page = more.data!.steps;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const all = results.at(-1)!.steps.edges.map((edge) => edge.node);
    expect(all).toHaveLength(STEPS);
    expect(new Set(all.map((step) => step.id)).size).toBe(STEPS);
    expectCompleteParts(all);

    // The mutation's result updates the normalized Step: the watched list shows it without a refetch.
    const target = all[7]!;
    const before = counter.requests;
    await client.mutate({ mutation: GiveFeedbackDocument, variables: { input: { stepId: target.id, feedback: 'NEGATIVE', tags: ['apollo-checked'] } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counter.requests).toBe(before + 1);
    const updated = results.at(-1)!.steps.edges.find((edge) => edge.node.id === target.id)!.node;
    expect(updated.feedback).toBe('NEGATIVE');
    expect(updated.tags).toContain('apollo-checked');
    subscription.unsubscribe();
  });

  it("shows a submitted feedback entry, the step's entries and its summary from the mutation's payload, without a refetch", async () => {
    const counter = countingFetch();
    const client = apollo(true, counter.fetch);
    const [step] = await t.db.sql.query<{ id: string }>('SELECT id FROM steps WHERE organization_id = $1 ORDER BY created_at LIMIT 1 OFFSET 20', [tenant.organizationId]);
    const results: StepFeedbackQuery[] = [];
    const watched = client.watchQuery({ query: StepFeedbackDocument, variables: { id: step!.id } });
    const subscription = watched.subscribe(({ data }) => data && results.push(data as StepFeedbackQuery));
    // The first answer comes over HTTP: waited for, however busy the machine is.
    await within(5000, async () => results.length > 0);
    const before = results.at(-1)!.step!;
    const requests = counter.requests;

    const created = await client.mutate({ mutation: SubmitFeedbackDocument, variables: { input: { stepId: step!.id, name: 'apollo', score: 0.5, comment: 'From Apollo' } } });
    expect(created.data!.submitStepFeedback.outcome).toBe('CREATED');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterCreate = results.at(-1)!.step!;
    expect(afterCreate.feedbackEntries.totalCount).toBe(before.feedbackEntries.totalCount + 1);
    expect(afterCreate.feedbackEntries.nodes[0]).toMatchObject({ name: 'apollo', score: 0.5, comment: 'From Apollo', submittedBy: { type: 'API_KEY' } });
    expect(afterCreate.feedbackSummary.count).toBe(before.feedbackSummary.count + 1);

    // A new score for the same criterion replaces the entry: the normalized FeedbackEntry changes in place.
    await client.mutate({ mutation: SubmitFeedbackDocument, variables: { input: { stepId: step!.id, name: 'apollo', score: -1 } } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterUpdate = results.at(-1)!.step!;
    expect(afterUpdate.feedbackEntries.totalCount).toBe(afterCreate.feedbackEntries.totalCount);
    expect(afterUpdate.feedbackEntries.nodes[0]).toMatchObject({ id: afterCreate.feedbackEntries.nodes[0]!.id, score: -1, version: 2 });
    expect(afterUpdate.feedbackSummary.negativeCount).toBe(afterCreate.feedbackSummary.negativeCount + 1);
    expect(counter.requests).toBe(requests + 2);
    subscription.unsubscribe();
  });

  it('loses fields selected through fragments on abstract types without possibleTypes, and keeps them with the generated map', async () => {
    const query = gqlDocument(`query StepAsNode($id: ID!) { node(id: $id) { __typename ...NodeFields } }
      fragment NodeFields on Node { id ... on Step { model } }`);
    const [step] = await t.db.sql.query<{ id: string; model: string }>('SELECT id, model FROM steps WHERE organization_id = $1 LIMIT 1', [tenant.organizationId]);
    const withMap = await apollo(true).query({ query, variables: { id: step!.id } });
    expect(withMap.data).toEqual({ node: { __typename: 'Step', id: step!.id, model: step!.model } });
    // Apollo says why on the console; the test keeps it from printing, and checks that it did.
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const without = await apollo(false).query({ query, variables: { id: step!.id }, errorPolicy: 'all' });
      expect((without.data as { node?: { model?: string } } | undefined)?.node?.model).toBeUndefined();
      expect(JSON.stringify([...warned.mock.calls, ...logged.mock.calls])).toMatch(/possibleTypes|fragment/i);
    } finally {
      warned.mockRestore();
      logged.mockRestore();
    }
  });

  it("keeps each LettaMessage of a message row apart, by the generated keyFields (id and index)", async () => {
    const client = apollo(true, fetch, letta.key);
    const result = await client.query({ query: StepLettaMessagesDocument, variables: { id: lettaStep } });
    const nodes = result.data!.step!.lettaMessages.nodes;
    expect(new Set(nodes.map((node) => node.id)).size).toBe(1);
    expect(itemsOf(nodes)).toEqual(LETTA_ITEMS);
    const id = nodes[0]!.id;
    expect(Object.keys(client.cache.extract() as object)).toEqual(
      expect.arrayContaining([`ToolCallMessage:{"id":"${id}","index":0}`, `AssistantMessage:{"id":"${id}","index":1}`, `ToolCallMessage:{"id":"${id}","index":2}`]),
    );
    // Read back from the cache alone, the list is still whole.
    expect(itemsOf(client.readQuery({ query: StepLettaMessagesDocument, variables: { id: lettaStep } })!.step!.lettaMessages.nodes)).toEqual(LETTA_ITEMS);
  });

  it('caches stepStats groups with their query: two filters with the same groups never mix', async () => {
    const client = apollo(true);
    const agents = await twoAgents();
    for (const agentId of agents) {
      const result = await client.query({ query: StepStatsByModelDocument, variables: { filter: { agentId } } });
      expect(byModel(result.data!.stepStats.nodes)).toEqual(await countsByModel(agentId));
    }
    for (const agentId of agents) {
      const cached = client.readQuery({ query: StepStatsByModelDocument, variables: { filter: { agentId } } })!;
      expect(byModel(cached.stepStats.nodes)).toEqual(await countsByModel(agentId));
      expect(cached.stepStats.total.count).toBe(Object.values(await countsByModel(agentId)).reduce((a, b) => a + b, 0));
    }
  });

  it('reports errors as typed GraphQL errors with their codes', async () => {
    const error = await apollo(true)
      .mutate({ mutation: GiveFeedbackDocument, variables: { input: { stepId: 'not-a-step', feedback: 'POSITIVE' } } })
      .catch((caught: unknown) => caught);
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as CombinedGraphQLErrors).errors[0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('urql 6 with graphcache', () => {
  const urql = (fetchImpl: typeof fetch, headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' }, key = tenant.key) =>
    new Client({
      url: server.url,
      exchanges: [cacheExchange({ schema: graphcacheSchema, keys, resolvers: { Query: { steps: relayPagination() } } }), fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${key}`, ...headers } },
      fetch: fetchImpl,
      preferGetMethod: 'within-url-limit',
    });

  it('lists, paginates into the normalized cache, and sees a mutation without a refetch', async () => {
    const counter = countingFetch();
    const client = urql(counter.fetch);
    let result = await client.query(AgentStepsDocument, { first: 50 }).toPromise();
    expect(result.error).toBeUndefined();
    while (result.data!.steps.pageInfo.hasNextPage) {
      result = await client.query(AgentStepsDocument, { first: 50, after: result.data!.steps.pageInfo.endCursor }).toPromise();
      expect(result.error).toBeUndefined();
    }
    // relayPagination answers the first page's query with every page read so far.
    const merged = await client.query(AgentStepsDocument, { first: 50 }, { requestPolicy: 'cache-only' }).toPromise();
    const all = merged.data!.steps.edges.map((edge) => edge.node);
    expect(all).toHaveLength(STEPS);
    expectCompleteParts(all);

    const target = all[3]!;
    const mutation = await client.mutation(GiveFeedbackDocument, { input: { stepId: target.id, feedback: 'POSITIVE', tags: ['urql-checked'] } }).toPromise();
    expect(mutation.error).toBeUndefined();
    const requests = counter.requests;
    const after = await client.query(AgentStepsDocument, { first: 50 }, { requestPolicy: 'cache-only' }).toPromise();
    const updated = after.data!.steps.edges.find((edge) => edge.node.id === target.id)!.node;
    expect(updated.feedback).toBe('POSITIVE');
    expect(updated.tags).toContain('urql-checked');
    expect(counter.requests).toBe(requests);
  });

  it("shows a submitted feedback entry, the step's entries and its summary from the mutation's payload, without a refetch", async () => {
    const counter = countingFetch();
    const client = urql(counter.fetch);
    const [step] = await t.db.sql.query<{ id: string }>('SELECT id FROM steps WHERE organization_id = $1 ORDER BY created_at LIMIT 1 OFFSET 30', [tenant.organizationId]);
    const before = (await client.query(StepFeedbackDocument, { id: step!.id }).toPromise()).data!.step!;
    const mutation = await client.mutation(SubmitFeedbackDocument, { input: { stepId: step!.id, name: 'urql', score: 1, comment: 'From urql' } }).toPromise();
    expect(mutation.error).toBeUndefined();
    const requests = counter.requests;
    const after = (await client.query(StepFeedbackDocument, { id: step!.id }, { requestPolicy: 'cache-only' }).toPromise()).data!.step!;
    expect(after.feedbackEntries.totalCount).toBe(before.feedbackEntries.totalCount + 1);
    expect(after.feedbackEntries.nodes[0]).toMatchObject({ name: 'urql', score: 1, comment: 'From urql' });
    expect(after.feedbackSummary).toMatchObject({ count: before.feedbackSummary.count + 1, positiveCount: before.feedbackSummary.positiveCount + 1 });
    expect(counter.requests).toBe(requests);
  });

  it('keeps each LettaMessage of a message row apart, by the generated keys (id and index)', async () => {
    const client = urql(fetch, undefined, letta.key);
    const result = await client.query(StepLettaMessagesDocument, { id: lettaStep }).toPromise();
    expect(result.error).toBeUndefined();
    expect(itemsOf(result.data!.step!.lettaMessages.nodes)).toEqual(LETTA_ITEMS);
    const cached = await client.query(StepLettaMessagesDocument, { id: lettaStep }, { requestPolicy: 'cache-only' }).toPromise();
    expect(itemsOf(cached.data!.step!.lettaMessages.nodes)).toEqual(LETTA_ITEMS);
  });

  it('caches stepStats groups with their query, by the generated keys: two filters with the same groups never mix', async () => {
    const client = urql(fetch);
    const agents = await twoAgents();
    for (const agentId of agents) {
      const result = await client.query(StepStatsByModelDocument, { filter: { agentId } }).toPromise();
      expect(result.error).toBeUndefined();
      expect(byModel(result.data!.stepStats.nodes)).toEqual(await countsByModel(agentId));
    }
    for (const agentId of agents) {
      const cached = await client.query(StepStatsByModelDocument, { filter: { agentId } }, { requestPolicy: 'cache-only' }).toPromise();
      expect(byModel(cached.data!.stepStats.nodes)).toEqual(await countsByModel(agentId));
    }
  });

  it('sends short queries as GET, which pass CSRF prevention with its header and are refused without it', async () => {
    const counter = countingFetch();
    const methods: string[] = [];
    const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
      methods.push(init?.method ?? 'GET');
      return counter.fetch(input, init);
    }) as typeof fetch;
    const short = urqlGql`query Count { steps(first: 1) { totalCount } }`;
    const ok = await urql(recording).query(short, {}).toPromise();
    expect(methods).toEqual(['GET']);
    expect(ok.data).toMatchObject({ steps: { totalCount: STEPS } });
    const refused = await urql(recording, {}).query(short, {}).toPromise();
    expect(refused.error).toBeInstanceOf(CombinedError);
    expect(refused.error!.graphQLErrors[0]?.extensions.code ?? JSON.stringify(refused.error)).toBe('CSRF_HEADER_REQUIRED');
  });

  it('reports errors as a CombinedError with the GraphQL errors and their codes', async () => {
    const result = await urql(fetch).mutation(GiveFeedbackDocument, { input: { stepId: 'not-a-step', feedback: 'POSITIVE' } }).toPromise();
    expect(result.error).toBeInstanceOf(CombinedError);
    expect(result.error!.graphQLErrors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

function gqlDocument(source: string) {
  return urqlGql(source);
}
