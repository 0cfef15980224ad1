import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertMessage, insertStep, insertTrace } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, send, serve } from './helpers/http.ts';

let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;
let stepId: string;
let otherStepId: string;

/** Everything a request could change, to prove that a refused one changed nothing. */
const snapshot = () => t.db.sql.query('SELECT id, feedback, tags, updated_at FROM steps ORDER BY id');

beforeAll(async () => {
  t = await createTestGateway();
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Input');
  other = await createTenant(t.db, 'Other');
  stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: ['mine'] });
  otherStepId = await insertStep(t.db, other.organizationId, { feedback: null, tags: ['theirs'] });
  await insertMessage(t.db, other.organizationId, otherStepId, { content: [{ type: 'text', text: 'secret' }] });
  await insertTrace(t.db, other.organizationId, otherStepId);
});
afterAll(async () => {
  await http.close();
  await t.close();
});

const raw = (body: string, contentType = 'application/json', accept = 'application/graphql-response+json') =>
  send(http.url, { method: 'POST', headers: { 'content-type': contentType, accept, authorization: `Bearer ${tenant.key}` }, body });

/** What no response may ever show. */
function expectNothingInternal(text: string) {
  expect(text).not.toMatch(/stack|originalError|at \w+ \(|node_modules|postgres(ql)?:\/\/|SELECT |prisma|PrismaClient|\.ts:\d+/i);
}

describe('malformed requests', () => {
  it('answers malformed JSON with 400 BAD_REQUEST and nothing of the parser', async () => {
    const before = await snapshot();
    for (const body of ['{"query": ', '{"query": "{ steps { totalCount } }"', 'null', '"a string"', '{"query": 1}', '\u0000']) {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const response = await raw(body, 'application/json', accept);
        expect(response.status, `${body} ${accept}`).toBe(400);
        expect(codesOf(response).length).toBeGreaterThan(0);
        expectNothingInternal(response.text);
        expect(response.text).not.toMatch(/Unexpected token|JSON at position|Unexpected end/);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers content types it does not take with 415, saying what to send', async () => {
    for (const contentType of ['application/xml', 'image/png', 'application/octet-stream']) {
      const response = await raw('<query>steps</query>', contentType);
      expect(response.status, contentType).toBe(415);
      expect(codesOf(response)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
      expect(response.json.errors[0].message).toMatch(/application\/json/);
      expectNothingInternal(response.text);
    }
  });

  it('answers a compressed body with 415, saying to send it uncompressed, and runs nothing', async () => {
    const before = await snapshot();
    const body = gzipSync(JSON.stringify({ query: `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE }) { step { id } } }` }));
    const response = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${tenant.key}` },
      body,
    });
    expect(response.status).toBe(415);
    expect(codesOf(response)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    expect(response.json.errors[0].message).toMatch(/uncompressed/);
    expect(await snapshot()).toEqual(before);
  });

  it('gives every status its reason phrase on the wire', async () => {
    const statusLine = (init: { method: string; headers: Record<string, string>; body?: string }) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(http.url);
        const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, ...init }, (response) => {
          response.resume();
          resolve(`${response.statusCode} ${response.statusMessage}`);
        });
        request.on('error', reject);
        request.end(init.body);
      });
    const json = { 'content-type': 'application/json' };
    expect(await statusLine({ method: 'POST', headers: json, body: '{"query":"{ __typename }"}' })).toBe('401 Unauthorized');
    expect(
      await statusLine({ method: 'POST', headers: { ...json, authorization: `Bearer ${tenant.key}`, 'idempotency-key': 'x y' }, body: '{}' }),
    ).toBe('400 Bad Request');
    expect(await statusLine({ method: 'GET', headers: {}, body: undefined }).catch(String)).toMatch(/^\d{3} \S/);
  });

  it('refuses batched arrays', async () => {
    const before = await snapshot();
    const response = await raw(
      JSON.stringify([
        { query: '{ steps { totalCount } }' },
        { query: `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE }) { step { id } } }` },
      ]),
    );
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_REQUEST']);
    expect(await snapshot()).toEqual(before);
  });

  it('ignores prototype-pollution keys in variables and changes nothing', async () => {
    const before = await snapshot();
    const body = `{"query":"mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id } } }",
      "variables":{"input":{"stepId":"${stepId}","__proto__":{"feedback":"POSITIVE","isAdmin":true},"constructor":{"prototype":{"polluted":true}}}}}`;
    const response = await raw(body);
    expect(response.status).toBe(400);
    expect(new Set(codesOf(response))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot()).toEqual(before);

    const filter = await raw(
      '{"query":"query($f: StepFilter) { steps(filter: $f) { totalCount } }","variables":{"f":{"__proto__":{"agentId":"x"}}}}',
    );
    expect(codesOf(filter)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses deeply nested variables without overflowing anything', async () => {
    const depth = 50_000; // 600 KB: within the body cap
    const nested = `${'{"agentId":'.repeat(depth)}"agent-1"${'}'.repeat(depth)}`;
    const response = await raw(`{"query":"query($f: StepFilter) { steps(filter: $f) { totalCount } }","variables":{"f":${nested}}}`);
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(500);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expectNothingInternal(response.text);
    // The gateway still serves.
    expect((await postGraphQL(http.url, tenant.key, { query: '{ steps { totalCount } }' })).json).toEqual({ data: { steps: { totalCount: 1 } } });
  });
});

describe('injection-shaped ids', () => {
  const shapes = [
    "step-1' OR '1'='1",
    "step-00000000-0000-4000-8000-000000000000'; DROP TABLE steps; --",
    `${'step-'}${'a'.repeat(10_000)}`,
    'step-00000000-0000-4000-8000-000000000000\u0000',
    "message-1') UNION SELECT * FROM gateway_api_keys --",
    '../../etc/passwd',
  ];

  it('answers them with BAD_USER_INPUT in lookups, filters and mutations, and changes nothing', async () => {
    const before = await snapshot();
    for (const id of shapes) {
      const lookup = await postGraphQL(http.url, tenant.key, { query: 'query($id: ID!) { step(id: $id) { id } node(id: $id) { id } }', variables: { id } });
      expect(codesOf(lookup), id.slice(0, 40)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
      const filter = await postGraphQL(http.url, tenant.key, {
        query: 'query($f: StepFilter) { steps(filter: $f) { totalCount } }',
        variables: { f: { agentId: id, traceIds: [id] } },
      });
      expect(filter.json.errors === undefined ? filter.json.data.steps.totalCount : codesOf(filter), id.slice(0, 40)).toEqual(
        filter.json.errors === undefined ? 0 : ['BAD_USER_INPUT'],
      );
      const write = await postGraphQL(http.url, tenant.key, {
        query: 'mutation($id: ID!) { setStepFeedback(input: { stepId: $id, feedback: POSITIVE }) { step { id } } }',
        variables: { id },
      });
      expect(codesOf(write), id.slice(0, 40)).toEqual(['BAD_USER_INPUT']);
      // Error messages may quote the id the client sent; nothing else.
      expectNothingInternal((lookup.text + filter.text + write.text).replaceAll(JSON.stringify(id.slice(0, 64)).slice(1, -1), ''));
    }
    expect(await snapshot()).toEqual(before);
    expect(await t.db.sql.query('SELECT count(*)::int AS n FROM gateway_api_keys')).toEqual([{ n: 2 }]);
  });
});

describe('tenancy over HTTP', () => {
  it("never reads another organization's step, messages or trace", async () => {
    const response = await postGraphQL(http.url, tenant.key, {
      query: `query($id: ID!) {
        step(id: $id) { id messages { nodes { id } } trace { id } }
        node(id: $id) { id }
        nodes(ids: [$id]) { id }
        steps(filter: { tags: ["theirs"] }) { totalCount nodes { id } }
      }`,
      variables: { id: otherStepId },
    });
    expect(response.json).toEqual({ data: { step: null, node: null, nodes: [null], steps: { totalCount: 0, nodes: [] } } });
  });

  it("never writes another organization's step, and says NOT_FOUND as for a step that does not exist", async () => {
    const before = await snapshot();
    const response = await postGraphQL(http.url, tenant.key, {
      query: 'mutation($id: ID!) { setStepFeedback(input: { stepId: $id, feedback: NEGATIVE, removeTags: ["theirs"] }) { step { id } } }',
      variables: { id: otherStepId },
    });
    // The same answer as for a step that does not exist (the message is specified in feedback.test.ts).
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await snapshot()).toEqual(before);
  });
});

describe('unexpected errors', () => {
  for (const nodeEnv of ['production', 'development', 'test']) {
    it(`are masked with NODE_ENV=${nodeEnv}: no stack, original error, SQL or connection string`, async () => {
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = nodeEnv;
      const gateway = await createTestGateway({ database: t.database });
      const served = await serve(gateway.gateway);
      await t.db.sql.exec('ALTER TABLE step_metrics RENAME TO step_metrics_away');
      try {
        const response = await postGraphQL(served.url, tenant.key, { query: `{ step(id: "${stepId}") { id metrics { stepNs } } }` });
        expect(response.json).toEqual({
          data: { step: { id: stepId, metrics: null } },
          errors: [{ message: 'Unexpected error.', locations: expect.any(Array), path: ['step', 'metrics'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
        expectNothingInternal(response.text);
        expect(response.text).not.toContain('step_metrics');
      } finally {
        await t.db.sql.exec('ALTER TABLE step_metrics_away RENAME TO step_metrics');
        await served.close();
        process.env.NODE_ENV = previous;
      }
    });
  }
});
