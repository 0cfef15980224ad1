import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onPostgres } from './helpers/database.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Metrics');
});
afterAll(() => t.close());

const scrape = async (gateway = t, headers: Record<string, string> = {}) => {
  const response = await gateway.gateway.fetch('http://gateway.test/metrics', { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

/** The value of one sample, by metric name and exact labels (in the order Prometheus' client prints them). */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('counts requests and their latency by operation, and errors by code', async () => {
    await t.graphql(tenant.key, 'query NewestSteps { steps(first: 2) { nodes { id } } }');
    await t.graphql(tenant.key, 'query NewestSteps { steps(first: 2) { nodes { id } } }');
    await t.graphql(tenant.key, 'mutation Mark($id: ID!) { setStepFeedback(input: { stepId: $id, feedback: POSITIVE }) { step { id } } }', { id: 'nope' });
    await t.graphql(undefined, '{ steps { totalCount } }');
    await t.graphql(tenant.key, '{ steps { nodes { nope } } }');

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(text, 'steps_gateway_graphql_requests_total{operation="NewestSteps",type="query",status="200"}')).toBe(2);
    expect(sample(text, 'steps_gateway_graphql_requests_total{operation="Mark",type="mutation",status="200"}')).toBe(1);
    expect(sample(text, 'steps_gateway_graphql_requests_total{operation="unknown",type="unknown",status="401"}')).toBe(1);
    expect(sample(text, 'steps_gateway_graphql_request_duration_seconds_count{operation="NewestSteps",type="query"}')).toBe(2);
    expect(sample(text, 'steps_gateway_graphql_request_duration_seconds_bucket{le="+Inf",operation="NewestSteps",type="query"}')).toBe(2);
    expect(sample(text, 'steps_gateway_graphql_errors_total{code="BAD_USER_INPUT"}')).toBe(1);
    expect(sample(text, 'steps_gateway_graphql_errors_total{code="UNAUTHENTICATED"}')).toBe(1);
    expect(sample(text, 'steps_gateway_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    // The pool, and Node's own process metrics.
    expect(sample(text, 'steps_gateway_db_pool_connections{state="max"}')).toBeGreaterThan(0);
    expect(text).toContain('steps_gateway_process_resident_memory_bytes');
    expect(text).toContain('steps_gateway_nodejs_eventloop_lag_seconds');
  });

  it('writes an access-log line per request, with the request id that its response carries', async () => {
    const response = await t.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'x-request-id': 'trace-me-42' },
      body: JSON.stringify({ query: 'query Traced { steps(first: 1) { totalCount } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-me-42');
    expect(t.logLines.filter((line) => line.requestId === 'trace-me-42' && line.msg === 'request')).toEqual([
      expect.objectContaining({ level: 'info', method: 'POST', status: 200, operation: 'Traced', type: 'query', ms: expect.any(Number) }),
    ]);
  });

  it('keeps the number of operation labels bounded, whatever names clients send', async () => {
    const fresh = await createTestGateway({ database: t.database });
    for (let i = 0; i < 120; i++) await fresh.graphql(tenant.key, `query Op${i} { __typename }`);
    await fresh.graphql(tenant.key, '{ __typename }', undefined);
    const { text } = await scrape(fresh);
    const operations = new Set([...text.matchAll(/steps_gateway_graphql_requests_total\{operation="([^"]+)"/g)].map((match) => match[1]));
    expect(operations.size).toBeLessThanOrEqual(102);
    expect(operations.has('other')).toBe(true);
    expect(sample(text, 'steps_gateway_graphql_requests_total{operation="other",type="query",status="200"}')).toBe(20);
  });

  it('asks for the metrics token when one is set', async () => {
    const guarded = await createTestGateway({ database: t.database, metricsToken: 'scrape-secret' });
    expect((await scrape(guarded)).status).toBe(401);
    expect((await scrape(guarded, { authorization: 'Bearer wrong-secret' })).status).toBe(401);
    const allowed = await scrape(guarded, { authorization: 'Bearer scrape-secret' });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('steps_gateway_graphql_requests_total');
  });

  it.runIf(onPostgres)(`shows the pool in use on Postgres ${NEEDS_POSTGRES}`, async () => {
    await t.graphql(tenant.key, '{ steps(first: 1) { nodes { id } } }');
    const { text } = await scrape();
    expect(sample(text, 'steps_gateway_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(sample(text, 'steps_gateway_db_pool_connections{state="waiting"}')).toBe(0);
  });
});
