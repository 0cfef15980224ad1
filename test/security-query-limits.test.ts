import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_SECURITY } from '../src/config.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, serve, type HttpResult } from './helpers/http.ts';

// Keys stay cached for the whole file, so that a refused document must cost no SQL statement at all.
let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let stepId: string;

beforeAll(async () => {
  t = await createTestGateway({ security: { apiKeyCacheMs: 600_000 } });
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Limits');
  stepId = await insertStep(t.db, tenant.organizationId, { tags: [] });
});
afterAll(async () => {
  await http.close();
  await t.close();
});

const post = (body: unknown) => postGraphQL(http.url, tenant.key, body);

/** Sends a document that must be refused, and returns the response and the SQL statements it caused. */
async function refused(query: string, variables?: Record<string, unknown>): Promise<{ response: HttpResult; statements: string[] }> {
  await post({ query: '{ __typename }' }); // the key is looked up (and cached) here, not below
  const { result: response, statements } = await t.statements(() => post({ query, variables }));
  expect(response.json.data, response.text.slice(0, 300)).toBeUndefined();
  return { response, statements };
}

/** What a dashboard's list screen asks for: every union member, trace and metrics, 50 × 20. */
const DASHBOARD = `{ steps(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes {
  id agentId model status stopReason totalTokens feedback tags createdAt
  messages(first: 20) { nodes { id role createdAt content {
    __typename
    ... on TextContent { text } ... on ReasoningContent { reasoning isNative signature }
    ... on ToolCallContent { id name input } ... on ToolReturnContent { toolCallId content isError }
    ... on ImageContent { source { __typename } } ... on RedactedReasoningContent { data }
    ... on OmittedReasoningContent { signature } ... on SummarizedReasoningContent { summary { index text } }
  } toolCalls { id function { name arguments } } } }
  trace { id callType } metrics { stepNs llmRequestNs toolExecutionNs }
} } }`;

const nested = (depth: number) => {
  let selection = 'id';
  for (let i = 0; i < depth; i++) selection = `messages { nodes { step { ${selection} } } }`;
  return `{ steps(first: 1) { nodes { ${selection} } } }`;
};

describe('query limits', () => {
  it('refuses a depth bomb before any resolver or SQL statement runs', async () => {
    const { response, statements } = await refused(nested(6));
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([
      { message: `Query depth limit of ${DEFAULT_SECURITY.limits.depth} exceeded, found 21.`, extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' } },
    ]);
    expect(statements).toEqual([]);
  });

  it('refuses an alias flood', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: steps(first: 1) { totalCount }`).join(' ');
    const { response, statements } = await refused(`{ ${aliases} }`);
    expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.json.errors[0].extensions.limit).toBe('aliases');
    expect(statements).toEqual([]);
  });

  it('refuses a directive flood', async () => {
    const { response, statements } = await refused(`{ steps(first: 1) { totalCount ${'@include(if: true) '.repeat(50)} } }`);
    expect(response.json.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'directives' });
    expect(statements).toEqual([]);
  });

  it('refuses a token flood while parsing', async () => {
    const { response, statements } = await refused(`{ ${'__typename '.repeat(5000)} }`);
    expect(response.json.errors).toEqual([
      { message: `Token limit of ${DEFAULT_SECURITY.limits.tokens} exceeded.`, extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens' } },
    ]);
    expect(statements).toEqual([]);
  });

  it('refuses a 500 KB field-merge bomb at once', async () => {
    const field = 'steps(first: 1) { nodes { id model } } ';
    const query = `{ ${field.repeat(Math.ceil(500_000 / field.length))} }`;
    expect(query.length).toBeGreaterThan(500_000);
    const started = performance.now();
    const { response, statements } = await refused(query);
    console.log(JSON.stringify({ fieldMergeBomb: { bytes: query.length, ms: Math.round(performance.now() - started) } }));
    expect(response.json.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens' });
    expect(statements).toEqual([]);
  });

  it('refuses the same bomb by validation when the token limit is raised out of its way', async () => {
    const lax = await createTestGateway({ database: t.database, security: { apiKeyCacheMs: 600_000, limits: { tokens: 10_000_000 } } });
    const laxHttp = await serve(lax.gateway);
    try {
      // Same response name, different arguments: every pair of fields must be compared to find the conflict.
      const fields = Array.from({ length: 16_000 }, (_, i) => `steps(first: ${i % 100}) { totalCount } `).join('');
      const query = `{ ${fields} }`;
      expect(query.length).toBeGreaterThan(500_000);
      await postGraphQL(laxHttp.url, tenant.key, { query: '{ __typename }' });
      const started = performance.now();
      const { result: response, statements } = await lax.statements(() => postGraphQL(laxHttp.url, tenant.key, { query }));
      console.log(JSON.stringify({ fieldMergeBombWithoutTokenLimit: { bytes: query.length, ms: Math.round(performance.now() - started) } }));
      expect(response.status).toBe(400);
      // graphql-js gives up comparing the fields; the client is told why, with the code of the other limits.
      expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(response.json.errors[0]).toMatchObject({ message: expect.stringMatching(/too complex to validate/), extensions: { limit: 'validation' } });
      expect(statements).toEqual([]);
    } finally {
      await laxHttp.close();
    }
  });

  it('explains a document that repeats one field a thousand times, which validation gives up on', async () => {
    const { response, statements } = await refused(`{ ${'__typename '.repeat(1000)}}`);
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.json.errors[0].message).toMatch(/Select each field once/);
    expect(statements).toEqual([]);
  });

  it('refuses a fragment cycle', async () => {
    const { response, statements } = await refused(
      'query Cycle { steps { ...A } } fragment A on StepConnection { nodes { id } ...B } fragment B on StepConnection { ...A }',
    );
    expect(codesOf(response)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(response.text).toContain('Cannot spread fragment');
    expect(statements).toEqual([]);
  });

  it('counts page sizes in the cost: first: 100 multiplies what each item selects', async () => {
    const query = (steps: number, messages: number) =>
      `{ steps(first: ${steps}) { nodes { id messages(first: ${messages}) { nodes { id role content { __typename } } } } } }`;
    const { response, statements } = await refused(query(100, 100));
    expect(response.status).toBe(400);
    expect(response.json.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', maxCost: DEFAULT_SECURITY.limits.cost });
    expect(response.json.errors[0].extensions.cost).toBeGreaterThan(DEFAULT_SECURITY.limits.cost);
    expect(statements).toEqual([]);
    // The same shape with smaller pages runs.
    const small = await post({ query: query(10, 10) });
    expect(small.json).toEqual({ data: { steps: expect.any(Object) } });
  });

  it('counts page sizes passed as variables', async () => {
    const query = 'query($n: Int) { steps(first: $n) { nodes { messages(first: $n) { nodes { id role content { __typename } } } } } }';
    const { response } = await refused(query, { n: 100 });
    expect(response.json.errors[0].extensions.limit).toBe('cost');
    expect((await post({ query, variables: { n: 5 } })).json.errors).toBeUndefined();
  });

  it('lets a dashboard page of 50 steps with 20 messages each, traces and metrics through', async () => {
    const response = await post({ query: DASHBOARD });
    expect(response.json.errors).toBeUndefined();
  });

  it('refuses a request of many aliased mutations, and writes nothing', async () => {
    const mutations = Array.from(
      { length: DEFAULT_SECURITY.limits.mutationFields + 1 },
      (_, i) => `m${i}: setStepFeedback(input: { stepId: "${stepId}", tags: ["t${i}"] }) { step { id } }`,
    ).join(' ');
    const { response, statements } = await refused(`mutation { ${mutations} }`);
    expect(response.json.errors[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'mutationFields' } });
    expect(statements).toEqual([]);
    const [row] = await t.db.sql.query<{ tags: unknown }>('SELECT tags FROM steps WHERE id = $1', [stepId]);
    expect(row!.tags).toEqual([]);
  });

  it('never suggests field names', async () => {
    const response = await post({ query: '{ steps { nodez } step(idd: "x") { id } }' });
    expect(codesOf(response)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
    expect(response.text).not.toMatch(/Did you mean|"nodes"/);
  });

  it('takes its limits from the configuration', async () => {
    const strict = await createTestGateway({ database: t.database, security: { limits: { depth: 3, cost: 10 } } });
    const strictHttp = await serve(strict.gateway);
    try {
      const deep = await postGraphQL(strictHttp.url, tenant.key, { query: '{ steps(first: 1) { nodes { messages { nodes { id } } } } }' });
      expect(deep.json.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
      // steps 1 + 20 items × (nodes 1 + id 1)
      const costly = await postGraphQL(strictHttp.url, tenant.key, { query: '{ steps(first: 20) { nodes { id } } }' });
      expect(costly.json.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', cost: 41, maxCost: 10 });
      const cheap = await postGraphQL(strictHttp.url, tenant.key, { query: '{ steps(first: 2) { nodes { id } } }' });
      expect(cheap.json.errors).toBeUndefined();

    } finally {
      await strictHttp.close();
    }
  });

  it('costs what the README says', async () => {
    const cheap = await createTestGateway({ database: t.database, security: { limits: { cost: 1 } } });
    const cost = async (query: string) => {
      const response = await cheap.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()).errors[0].extensions.cost;
    };
    expect(await cost('{ steps(first: 50) { nodes { messages(first: 20) { nodes { id } } } } }')).toBe(2101);
    expect(await cost(DASHBOARD)).toBe(29_551);
    // An empty page still counts: its selection costs what one item's would.
    expect(await cost('{ steps(first: 0) { totalCount } }')).toBe(11);
  });
});
