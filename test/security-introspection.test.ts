import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, serve } from './helpers/http.ts';

let database: TestDatabase;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  database = await createTestDatabase();
  tenant = await createTenant(database.db, 'Introspection');
});
afterAll(() => database.drop());

async function gatewayWith(introspection: boolean) {
  const t = await createTestGateway({ database, security: { introspection } });
  const http = await serve(t.gateway);
  return { t, http, post: (query: string) => postGraphQL(http.url, tenant.key, { query }) };
}

describe('introspection', () => {
  it('is on by default outside production, off with NODE_ENV=production unless enabled', () => {
    expect(loadConfig({}).security.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).security.introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).security.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).security.introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).security.introspection).toBe(false);
  });

  it('answers the standard introspection query when on', async () => {
    const { http, post } = await gatewayWith(true);
    try {
      const response = await post(getIntrospectionQuery({ inputValueDeprecation: true, descriptions: true }));
      expect(response.status).toBe(200);
      expect(response.json.data.__schema.queryType.name).toBe('Query');
    } finally {
      await http.close();
    }
  });

  it('refuses __schema and __type when off, including the standard introspection query, without a resolver or SQL statement', async () => {
    const { t, http, post } = await gatewayWith(false);
    try {
      for (const query of [getIntrospectionQuery(), '{ __schema { types { name } } }', '{ __type(name: "Step") { fields { name } } }']) {
        const { result: response, statements } = await t.statements(() => post(query));
        expect(response.status, query.slice(0, 40)).toBe(400);
        expect(codesOf(response)).toContain('GRAPHQL_VALIDATION_FAILED');
        expect(response.json.data).toBeUndefined();
        expect(response.text).toContain('introspection');
        // The only statement is the key's lookup.
        expect(statements).toHaveLength(1);
        expect(statements[0]).toContain('gateway_api_keys');
      }
    } finally {
      await http.close();
    }
  });

  it('keeps __typename working when off', async () => {
    const { http, post } = await gatewayWith(false);
    try {
      const response = await post('{ __typename steps(first: 1) { __typename nodes { __typename id } } }');
      expect(response.json).toEqual({ data: { __typename: 'Query', steps: { __typename: 'StepConnection', nodes: [] } } });
    } finally {
      await http.close();
    }
  });

  it('leaks no field names through suggestions when off', async () => {
    const { http, post } = await gatewayWith(false);
    try {
      const response = await post('{ step { idd } stepz { id } }');
      expect(codesOf(response).every((code) => code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
      expect(response.text).not.toMatch(/Did you mean|"steps"|"id"/);
    } finally {
      await http.close();
    }
  });
});
