import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';

let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let key: string;

beforeAll(async () => {
  t = await createTestGateway();
  http = await serve(t.gateway);
  key = (await createTenant(t.db, 'Audits')).key;
});
afterAll(async () => {
  await http.close();
  await t.close();
});

/** Runs graphql-http's server audits against the running gateway with a valid key; returns the ones not ok. */
async function audit(extraHeaders: Record<string, string>) {
  const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${key}`);
    for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
    return fetch(input, { ...init, headers });
  };
  const audits = serverAudits({ url: http.url, fetchFn });
  const failed: { id: string; name: string; status: string }[] = [];
  for (const { id, name, fn } of audits) {
    const result = await fn();
    if (result.status !== 'ok') failed.push({ id, name, status: result.status });
  }
  return { total: audits.length, failed };
}

describe('GraphQL over HTTP', () => {
  it('passes every MUST and SHOULD audit; only GETs without a CSRF header fail, and only MAY audits', async () => {
    const { total, failed } = await audit({});
    console.log(JSON.stringify({ audits: total, notOk: failed }));
    expect(total).toBeGreaterThan(50);
    expect(failed.filter(({ name }) => !name.startsWith('MAY '))).toEqual([]);
    // CSRF prevention refuses these GETs on purpose: a browser sends a GET without a preflight.
    expect(failed.map(({ name }) => name).sort()).toEqual([
      'MAY accept application/x-www-form-urlencoded formatted GET requests',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
    ]);
  });

  it('passes every audit when GETs carry the CSRF header', async () => {
    const { failed } = await audit({ 'x-graphql-yoga-csrf': '1' });
    expect(failed).toEqual([]);
  });
});
