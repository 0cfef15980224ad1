import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashKey, listKeys, revokeKey } from '../src/auth/api-keys.ts';
import { createTestDatabase } from './helpers/database.ts';
import { createTenant, insertMessage, insertStep, insertTrace } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
});
afterAll(() => t.close());

async function post(headers: Record<string, string>, query = '{ steps { totalCount } }') {
  const response = await t.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('API keys', () => {
  it('answers a missing, malformed, unknown or revoked key with the same 401 UNAUTHENTICATED body', async () => {
    const revoked = await createTenant(t.db, 'Revoked');
    expect(await revokeKey(t.db.prisma, revoked.apiKeyId)).toBe(true);
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${tenant.key}x` },
      { authorization: `Bearer sgw_${'A'.repeat(43)}` },
      { authorization: `Bearer ${revoked.key}` },
    ];
    const bodies = new Set<string>();
    for (const headers of cases) {
      const response = await post(headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      bodies.add(response.text);
    }
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0]!)).toEqual({
      errors: [{ message: 'A valid API key is required: send it as "Authorization: Bearer <key>".', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('authenticates before parsing: an invalid document without a key reveals nothing about the schema', async () => {
    const response = await post({}, '{ stepz { id } }');
    expect(response.status).toBe(401);
    expect(response.text).not.toContain('Did you mean');
  });

  it('accepts a live key, and stores only its hash', async () => {
    const response = await post({ authorization: `Bearer ${tenant.key}` });
    expect(response.status).toBe(200);
    const rows = await t.db.sql.query<Record<string, unknown>>(`SELECT * FROM gateway_api_keys WHERE id = $1`, [tenant.apiKeyId]);
    expect(rows[0]!.key_hash).toBe(hashKey(tenant.key));
    expect(JSON.stringify(rows)).not.toContain(tenant.key);
    const listed = await listKeys(t.db.prisma);
    expect(listed.find((key) => key.id === tenant.apiKeyId)).toMatchObject({ organizationId: tenant.organizationId, revokedAt: null });
  });
});

describe('tenancy', () => {
  it('shows each organization only its own steps, in lists, lookups, nodes and counts', async () => {
    const a = await createTenant(t.db, 'A');
    const b = await createTenant(t.db, 'B');
    const aStep = await insertStep(t.db, a.organizationId);
    const bStep = await insertStep(t.db, b.organizationId);
    for (const [key, own, foreign] of [
      [a.key, aStep, bStep],
      [b.key, bStep, aStep],
    ] as const) {
      const response = await t.graphql(
        key,
        `query($own: ID!, $foreign: ID!) { steps { totalCount nodes { id } } own: step(id: $own) { id } foreign: step(id: $foreign) { id } node(id: $foreign) { id } }`,
        { own, foreign },
      );
      expect(response.body).toEqual({ data: { steps: { totalCount: 1, nodes: [{ id: own }] }, own: { id: own }, foreign: null, node: null } });
    }
  });
});

describe('tenancy through relations', () => {
  it("never leads from one organization's objects to another's", async () => {
    const a = await createTenant(t.db, 'A2');
    const b = await createTenant(t.db, 'B2');
    const bStep = await insertStep(t.db, b.organizationId);
    const bMessage = await insertMessage(t.db, b.organizationId, bStep);
    const bTrace = await insertTrace(t.db, b.organizationId, bStep);
    // Rows of A that point at B's step (as a corrupted or hand-written database might hold).
    const aMessage = await insertMessage(t.db, a.organizationId, bStep);
    const aTrace = await insertTrace(t.db, a.organizationId, bStep);
    const response = await t.graphql(
      a.key,
      `query($m: ID!, $t: ID!, $bm: ID!, $bt: ID!) {
        m: node(id: $m) { ... on Message { id step { id } } }
        t: node(id: $t) { ... on ProviderTrace { id step { id } } }
        bm: node(id: $bm) { id }
        bt: node(id: $bt) { id }
      }`,
      { m: aMessage, t: aTrace, bm: bMessage, bt: bTrace },
    );
    expect(response.body).toEqual({ data: { m: { id: aMessage, step: null }, t: { id: aTrace, step: null }, bm: null, bt: null } });
  });
});

describe('errors', () => {
  it("logs an unexpected error's cause on a line with the request's id, in the shape of every other line", async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await t.db.sql.exec('ALTER TABLE provider_traces RENAME TO provider_traces_gone');
    try {
      const response = await t.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-request-id': 'find-me-7' },
        body: JSON.stringify({ query: `query($id: ID!) { step(id: $id) { trace { id } } }`, variables: { id: stepId } }),
      });
      expect(response.headers.get('x-request-id')).toBe('find-me-7');
      expect(((await response.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('Unexpected error.');
      // One grep for the id finds the cause: the line says what failed, with its class and message.
      const lines = t.logLines.filter((line) => line.requestId === 'find-me-7');
      const cause = lines.find((line) => line.msg === 'unexpected error');
      expect(cause).toMatchObject({ level: 'error', err: { type: expect.any(String), message: expect.stringContaining('provider_traces') } });
      expect(lines.some((line) => line.msg === 'request')).toBe(true);
      // Every line has a message that is text, and errors under `err`.
      for (const line of t.logLines) {
        expect(typeof line.msg).toBe('string');
        expect(line.error).toBeUndefined();
      }
    } finally {
      await t.db.sql.exec('ALTER TABLE provider_traces_gone RENAME TO provider_traces');
    }
  });

  it('masks a database failure while checking the key, and /readyz turns 503', async () => {
    const broken = await createTestGateway({ database: await createTestDatabase() });
    const owner = await createTenant(broken.db, 'Broken');
    await broken.db.close();
    try {
      const response = await broken.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.key}` },
        body: JSON.stringify({ query: '{ steps { totalCount } }' }),
      });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      expect((await broken.gateway.fetch('http://gateway.test/readyz')).status).toBe(503);
      expect((await broken.gateway.fetch('http://gateway.test/healthz')).status).toBe(200);
      expect(broken.logLines.some((line) => line.msg === 'authentication failed')).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it('answers input Postgres cannot hold (NUL characters, years out of range) with BAD_USER_INPUT', async () => {
    const nulCursor = Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000000Z', 'step-\u0000'])).toString('base64url');
    for (const [query, variables] of [
      ['query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { agentId: 'agent-\u0000' } }],
      ['query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { tags: ['a\u0000'] } }],
      ['query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { model: 'x'.repeat(1001) } }],
      ['query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { createdAfter: '0001-01-01T00:00:00+14:00' } }],
      ['query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { createdBefore: '9999-12-31T23:00:00-05:00' } }],
      ['query($a: String) { steps(after: $a) { totalCount } }', { a: nulCursor }],
    ] as const) {
      const response = await t.graphql(tenant.key, query, variables);
      expect(codesOf(response), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('reports parse and validation errors with their codes', async () => {
    const parse = await t.graphql(tenant.key, '{ steps( { id } }');
    expect(parse.status).toBe(400);
    expect(codesOf(parse)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const validation = await t.graphql(tenant.key, '{ steps { nodes { nope } } }');
    expect(codesOf(validation)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const variables = await t.graphql(tenant.key, 'query($n: Int) { steps(first: $n) { totalCount } }', { n: 'many' });
    expect(codesOf(variables)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('endpoints', () => {
  it('serves /healthz and /readyz without a key, and a request id on every response', async () => {
    const health = await t.gateway.fetch('http://gateway.test/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await t.gateway.fetch('http://gateway.test/readyz', { headers: { 'x-request-id': 'abc-123' } });
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-request-id')).toBe('abc-123');
    expect((await post({ authorization: `Bearer ${tenant.key}` })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs queries over GET (with a CSRF header) and refuses mutations over GET', async () => {
    const query = encodeURIComponent('{ steps(first: 1) { totalCount } }');
    const headers = { authorization: `Bearer ${tenant.key}`, 'x-graphql-yoga-csrf': '1' };
    const get = await t.gateway.fetch(`http://gateway.test/graphql?query=${query}`, { headers });
    expect(get.status).toBe(200);
    const [own] = await t.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM steps WHERE organization_id = $1 AND NOT is_deleted', [tenant.organizationId]);
    expect(await get.json()).toEqual({ data: { steps: { totalCount: own!.n } } });
    const mutation = encodeURIComponent('mutation { setStepFeedback(input: { stepId: "step-1" }) { step { id } } }');
    const refused = await t.gateway.fetch(`http://gateway.test/graphql?query=${mutation}`, { headers });
    expect(refused.status).toBe(405);
  });

  it('serves GraphiQL to browsers without a key, with its assets bundled (no CDN)', async () => {
    const page = await t.gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('steps-gateway');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });

  it('answers unknown paths with 404, GraphQL look-alikes included', async () => {
    expect((await t.gateway.fetch('http://gateway.test/nope')).status).toBe(404);
    for (const path of ['/graphql/', '/api/graphql', '/?x=/graphql']) {
      const response = await t.gateway.fetch(`http://gateway.test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ stepz { id } }' }),
      });
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('stepz');
    }
  });
});
