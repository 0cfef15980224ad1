import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { recordSpans } from './helpers/spans.ts';

const { exporter, shutdown } = recordSpans();

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Traced');
});
afterAll(async () => {
  await shutdown();
  await t.close();
});

describe('OpenTelemetry tracing', () => {
  it("traces a request to Letta's REST routes as the GraphQL request it runs, named after its operation", async () => {
    exporter.reset();
    const response = await t.gateway.fetch('http://gateway.test/v1/steps/?limit=2', { headers: { authorization: `Bearer ${tenant.key}`, 'x-request-id': 'traced-rest' } });
    expect(response.status).toBe(200);
    await response.text();
    const spans = exporter.getFinishedSpans();
    const server = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(server.map((span) => span.name)).toEqual(['query LettaListSteps']);
    expect(server[0]!.attributes).toMatchObject({ 'url.path': '/v1/steps/', 'http.response.status_code': 200, 'request.id': 'traced-rest' });
    for (const span of spans.filter((one) => one.kind === SpanKind.CLIENT)) expect(span.parentSpanContext?.spanId).toBe(server[0]!.spanContext().spanId);
  });

  it("continues the caller's trace: a server span per request, named after its operation, with a span per statement", async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await t.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tenant.key}`,
        traceparent: `00-${traceId}-${callerSpan}-01`,
        'x-request-id': 'traced-1',
      },
      body: JSON.stringify({ query: 'query Newest { steps(first: 3) { totalCount nodes { id trace { id } } } }' }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server).toBeDefined();
    expect(server!.name).toBe('query Newest');
    expect(server!.spanContext().traceId).toBe(traceId);
    expect(server!.parentSpanContext?.spanId).toBe(callerSpan);
    expect(server!.attributes).toMatchObject({
      'graphql.operation.name': 'Newest',
      'graphql.operation.type': 'query',
      'http.response.status_code': 200,
      'request.id': 'traced-1',
    });

    const statements = spans.filter((span) => span.kind === SpanKind.CLIENT);
    // The key lookup, the page (with its traces joined) and the count, each a child of the request's span.
    expect(statements.map((span) => span.name).sort()).toEqual(['db.query', 'db.query', 'prisma GatewayApiKey.findFirst']);
    for (const span of statements) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(span.attributes['db.system.name']).toBe('postgresql');
    }
    // Statements are recorded with placeholders, never with the values: no organization id, no key hash.
    const recorded = JSON.stringify(statements.map((span) => span.attributes));
    expect(recorded).toContain('organization_id = $1');
    expect(recorded).not.toContain(tenant.organizationId);
  });
});
