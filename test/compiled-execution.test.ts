import { defaultFieldResolver, isObjectType, responsePathAsArray, type GraphQLFieldResolver } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { schema } from '../src/schema/index.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { schemaCases, type Samples } from './helpers/schema-cases.ts';

/**
 * Compiled execution (graphql-jit, the default) must be indistinguishable from graphql-js: the same status and
 * body, and the same arguments given to every resolver, for every argument of every field, with values of every
 * shape the argument's type allows (see helpers/schema-cases.ts).
 */

/** The arguments each resolver got during one request, by response path. */
let recorded: [string, unknown][] | undefined;
for (const type of Object.values(schema.getTypeMap())) {
  if (!isObjectType(type) || type.name.startsWith('__')) continue;
  for (const field of Object.values(type.getFields())) {
    if (field.args.length === 0) continue;
    const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      recorded?.push([responsePathAsArray(info.path).join('.'), args]);
      return resolve(source, args, context, info);
    };
  }
}

let compiled: TestGateway;
let interpreted: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let samples: Samples;

beforeAll(async () => {
  compiled = await createTestGateway();
  interpreted = await createTestGateway({ compile: false, database: compiled.database });
  tenant = await createTenant(compiled.db, 'Compiled');
  // Recent steps: stepStats without a start covers the organization's steps up to 400 days back.
  await seed(compiled.db.sql, { organizationId: tenant.organizationId, steps: 40, seed: 3, start: new Date(Date.now() - 30 * 86_400_000) });
  const [step] = await compiled.db.sql.query<{ id: string; agent_id: string; trace_id: string }>(
    `SELECT id, agent_id, trace_id FROM steps WHERE organization_id = $1 AND feedback IS NOT NULL ORDER BY created_at DESC LIMIT 1`,
    [tenant.organizationId],
  );
  const [message] = await compiled.db.sql.query<{ id: string }>(`SELECT id FROM messages WHERE step_id = $1 LIMIT 1`, [step!.id]);
  const page = await compiled.graphql(tenant.key, `{ steps(first: 3) { pageInfo { endCursor } } }`);
  samples = {
    scalars: {
      String: ['gpt-4o-mini'],
      ID: [step!.id, 'not-an-id'],
      Int: [0, 3],
      Float: [0.5],
      Boolean: [true, false],
      DateTime: ['2025-11-01T00:00:00.123456+02:00', '2025-11-01T00:10:00Z'],
      BigInt: ['123'],
      JSON: [{ a: [1, 'x'] }],
    },
    byName: {
      id: [step!.id, message!.id],
      ids: [step!.id, message!.id],
      stepId: [step!.id],
      agentId: [step!.agent_id],
      traceIds: [step!.trace_id],
      tags: ['needs-review', 'compiled'],
      removeTags: ['compiled'],
      after: [page.body.data.steps.pageInfo.endCursor, 'not-a-cursor'],
      before: [page.body.data.steps.pageInfo.endCursor],
    },
  };
});
afterAll(async () => {
  await interpreted.close();
  await compiled.close();
});

async function run(gateway: TestGateway, query: string, variables: Record<string, unknown>) {
  recorded = [];
  try {
    const response = await gateway.graphql(tenant.key, query, variables);
    return { status: response.status, body: response.body, args: [...recorded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  } finally {
    recorded = undefined;
  }
}

describe('compiled execution', () => {
  it('gives every resolver the arguments graphql-js gives it, and answers the same, for every argument of the schema', async () => {
    const cases = schemaCases(schema, samples);
    // Every field with arguments, and every shape: the count guards against the generator quietly shrinking.
    expect(cases.length).toBeGreaterThan(300);
    const fields = new Set(cases.map((c) => c.name.split('(')[0]));
    expect([...fields].sort()).toEqual([
      'FeedbackEntry.history',
      'Mutation.createFeedbackToken',
      'Mutation.deleteStepFeedback',
      'Mutation.setStepFeedback',
      'Mutation.submitStepFeedback',
      'Query.node',
      'Query.nodes',
      'Query.step',
      'Query.stepStats',
      'Query.steps',
      'Step.feedbackEntries',
      'Step.feedbackSummary',
      'Step.lettaMessages',
      'Step.messages',
      'StepStats.feedbackSummary',
    ]);
    let withData = 0;
    for (const { name, query, variables } of cases) {
      // Mutations run on the compiled gateway first; the interpreted one then finds them applied and changes
      // nothing, so both answer the same only if both applied the same change.
      const fast = await run(compiled, query, variables);
      const plain = await run(interpreted, query, variables);
      // A token is signed with the time it expires at, which differs from one call to the next: the arguments and errors must agree.
      const timed = name.startsWith('Mutation.createFeedbackToken') && plain.body.errors === undefined;
      const compared = (result: typeof fast) => (timed ? { status: result.status, args: result.args, data: Object.keys(result.body.data ?? {}) } : result);
      expect(compared(fast), `${name}\n${query}\n${JSON.stringify(variables)}`).toEqual(compared(plain));
      if (plain.body.data != null && plain.body.errors === undefined) withData += 1;
    }
    // Most cases are valid and read real rows, so the comparison covers execution, not only errors.
    expect(withData).toBeGreaterThan(cases.length / 2);
  }, 180_000); // Hundreds of requests, each run twice: a time that grows with the schema, not with a slowdown.

  it('applies the defaults of input fields to values sent in variables', async () => {
    const query = `query($o: StepOrder) { steps(first: 2, orderBy: $o) { nodes { createdAt } } }`;
    const ascending = await compiled.graphql(tenant.key, query, { o: { direction: 'ASC' } });
    expect(ascending.body.errors).toBeUndefined();
    const [first, second] = ascending.body.data.steps.nodes as { createdAt: string }[];
    expect(first!.createdAt < second!.createdAt).toBe(true);
  });

  it('answers exactly what graphql-js answers for a dashboard page: data, cursors, union members, errors and their locations', async () => {
    const [step] = await compiled.db.sql.query<{ id: string }>('SELECT id FROM steps WHERE organization_id = $1 LIMIT 1', [tenant.organizationId]);
    const stepId = step!.id;
    const cases: [string, Record<string, unknown>][] = [
      [
        `query($n: Int!) { steps(first: $n, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount totalCountIsExact
          pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
          edges { cursor node { id model status stopReason feedback tags createdAt errorData
            trace { id requestJson agentTags latencyMs } metrics { stepNs llmRequestNs }
            messages(first: 20) { totalCount edges { cursor node { id role createdAt
              content { __typename ... on TextContent { text signature } ... on ImageContent { source { __typename ... on LettaImageSource { fileId } } }
                ... on ToolCallContent { id name input } ... on ToolReturnContent { toolCallId content isError }
                ... on ReasoningContent { reasoning isNative } ... on RedactedReasoningContent { data }
                ... on OmittedReasoningContent { signature } ... on SummarizedReasoningContent { id summary { index text } encryptedContent } }
              toolCalls { id function { name arguments } } toolReturns { status funcResponse funcResponseParts { __typename } }
              approvals { __typename ... on ApprovalReturn { approve reason } } } } } } } } }`,
        { n: 40 },
      ],
      [`query($id: ID!) { step(id: $id) { id ...F } node(id: $id) { id ... on Step { model } } } fragment F on Step { tags feedback }`, { id: stepId }],
      [`query A { a: steps(first: 1) { totalCount } } query B { b: steps(first: 2, orderBy: { direction: ASC }) { nodes { id } } }`, {}],
      [`query($id: ID!) { step(id: $id) { id } }`, { id: 'not-a-step-id' }],
      [`query($n: Int) { steps(first: $n) { totalCount } }`, { n: 'many' }],
      [`query($f: StepFilter) { steps(filter: $f) { totalCount } }`, { f: { status: 'NOPE' } }],
      [`{ steps(first: 500) { totalCount } }`, {}],
    ];
    for (const [query, variables] of cases) {
      const fast = await run(compiled, query, variables);
      const plain = await run(interpreted, query, variables);
      expect(fast, query.slice(0, 60)).toEqual(plain);
    }
    const [listed] = cases;
    expect((await compiled.graphql(tenant.key, listed![0], listed![1])).body.data.steps.edges).toHaveLength(40);
  });

  it('compiles each operation of a document on its own', async () => {
    const document = `query A { steps(first: 1) { nodes { id } } } query B { steps(first: 3) { nodes { id } } }`;
    for (const [operationName, length] of [['A', 1], ['B', 3], ['A', 1]] as const) {
      const response = await compiled.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
        body: JSON.stringify({ query: document, operationName }),
      });
      const body = (await response.json()) as { data: { steps: { nodes: unknown[] } } };
      expect(body.data.steps.nodes, operationName).toHaveLength(length);
    }
  });
});
