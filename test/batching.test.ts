import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;

const NESTED = `query($n: Int!) {
  steps(first: $n) { edges { node {
    id
    messages(first: 20) { edges { node { content { __typename } step { id } } } }
    trace { id }
    metrics { stepNs }
  } } }
}`;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 120, seed: 7 });
});
afterAll(() => t.close());

const statementsFor = (query: string, variables: Record<string, unknown>) => t.queryStatements(tenant.key, query, variables);

describe('batching', () => {
  it('costs the same statements for 5 and 100 steps with messages, traces and metrics: one per level', async () => {
    const small = await statementsFor(NESTED, { n: 5 });
    const large = await statementsFor(NESTED, { n: 100 });
    expect(large.body.data.steps.edges).toHaveLength(100);
    // What the page holds, counted in the database: every step's messages (20 at most) and traces were read.
    const stepIds = large.body.data.steps.edges.map((edge: any) => edge.node.id);
    const [held] = await t.db.sql.query<{ messages: number; traced: number }>(
      `SELECT (SELECT coalesce(sum(least(n, 20)), 0)::int FROM (SELECT count(*) AS n FROM messages WHERE step_id = ANY($1) AND NOT is_deleted GROUP BY step_id) AS m) AS messages,
              (SELECT count(DISTINCT step_id)::int FROM provider_traces WHERE step_id = ANY($1) AND NOT is_deleted) AS traced`,
      [stepIds],
    );
    expect(held!.messages).toBeGreaterThan(0);
    expect(held!.traced).toBeGreaterThan(0);
    expect(large.body.data.steps.edges.flatMap((edge: any) => edge.node.messages.edges)).toHaveLength(held!.messages);
    expect(large.body.data.steps.edges.filter((edge: any) => edge.node.trace !== null)).toHaveLength(held!.traced);
    // The API key lookup, then one statement per level: the page of steps with their traces and metrics
    // joined, and the messages of all steps. The steps the messages lead back to are the page's own.
    expect(small.statements).toHaveLength(3);
    expect(large.statements).toHaveLength(small.statements.length);
  });

  it('adds one statement for totalCount, and one for message counts, whatever the page size', async () => {
    const query = `query($n: Int!) { steps(first: $n) { totalCount nodes { messages(first: 2) { totalCount nodes { id } } } } }`;
    const small = await statementsFor(query, { n: 3 });
    const large = await statementsFor(query, { n: 100 });
    // key, steps, count of steps, messages, message counts.
    expect(small.statements).toHaveLength(5);
    expect(large.statements).toHaveLength(5);
  });

  it('reads nothing it is not asked for: a page of scalars is one statement after the key lookup', async () => {
    const { statements } = await statementsFor(`{ steps(first: 50) { nodes { id model status } } }`, {});
    expect(statements).toHaveLength(2);
  });

  it('batches node lookups of one type into one statement', async () => {
    const page = await t.graphql(tenant.key, `{ steps(first: 30) { nodes { id } } }`);
    const ids = page.body.data.steps.nodes.map((node: { id: string }) => node.id);
    const { statements } = await statementsFor(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(statements).toHaveLength(2);
  });
});
