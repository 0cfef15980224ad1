import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Prisma } from '../prisma/generated/client/client.ts';
import { bindRequestScope, inRequestScope, type RequestScope } from '../src/db/request-scope.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { postGraphQL, serve } from './helpers/http.ts';
import { recordSpans } from './helpers/spans.ts';

/**
 * Every way of sending a statement gets the same treatment: the statement listener the batching tests count
 * with sees it, and it is traced. A loader or a plugin written on any of them cannot escape the N+1 tests.
 */
const { exporter, shutdown } = recordSpans();

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Counted');
});
afterAll(async () => {
  await shutdown();
  await t.close();
});

/** The statements `work` sent as the listener saw them, and the names of the spans it made. */
async function observed(work: () => Promise<unknown>) {
  exporter.reset();
  const { statements } = await t.statements(work);
  return { statements, spans: exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT).map((span) => span.name) };
}

describe('every statement, through any path', () => {
  it('a hand-written read', async () => {
    const { statements, spans } = await observed(() => t.db.read(Prisma.sql`SELECT 'read path' AS p`));
    expect(statements).toEqual([`SELECT 'read path' AS p`]);
    expect(spans).toEqual(['db.query']);
  });

  it('the SQL runner: a statement, a script, and each statement of a transaction', async () => {
    const { statements, spans } = await observed(async () => {
      await t.db.sql.query(`SELECT 'runner query' AS p`);
      await t.db.sql.exec(`SELECT 'runner script'`);
      await t.db.sql.transaction(async (tx) => {
        await tx.query(`SELECT 'in a transaction' AS p`);
        await tx.exec(`SELECT 'script in a transaction'`);
      });
    });
    expect(statements).toEqual([`SELECT 'runner query' AS p`, `SELECT 'runner script'`, `SELECT 'in a transaction' AS p`, `SELECT 'script in a transaction'`]);
    expect(spans.sort()).toEqual(['db.query', 'db.query', 'db.query', 'db.query', 'db.transaction']);
  });

  it('Prisma: a model call, a raw query and a raw write', async () => {
    const { statements, spans } = await observed(async () => {
      await t.db.prisma.organization.findFirst({ where: { id: tenant.organizationId } });
      await t.db.prisma.$queryRaw`SELECT 'prisma raw' AS p`;
      await t.db.prisma.$executeRaw`UPDATE organizations SET name = name WHERE id = ${tenant.organizationId}`;
    });
    expect(statements.some((text) => /FROM "public"\."organizations"/.test(text))).toBe(true);
    expect(statements).toContain(`SELECT 'prisma raw' AS p`);
    expect(statements.some((text) => text.startsWith('UPDATE organizations'))).toBe(true);
    expect(spans.sort()).toEqual(['prisma $executeRaw', 'prisma $queryRaw', 'prisma Organization.findFirst']);
  });

  it("a request's own bookkeeping: the statements of an Idempotency-Key", async () => {
    const http = await serve(t.gateway);
    try {
      const stepId = await insertStep(t.db, tenant.organizationId, {});
      const query = 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id feedback } } }';
      const { statements, spans } = await observed(() =>
        postGraphQL(http.url, tenant.key, { query, variables: { input: { stepId, feedback: 'POSITIVE' } } }, { 'idempotency-key': 'counted-1' }),
      );
      const bookkeeping = statements.filter((text) => text.includes('gateway_idempotency_keys'));
      // Claiming the key, and storing the response under it.
      expect(bookkeeping.length).toBeGreaterThanOrEqual(2);
      expect(spans.filter((name) => name === 'db.query').length).toBeGreaterThanOrEqual(bookkeeping.length);
    } finally {
      await http.close();
    }
  });
});

describe('the writes of a request', () => {
  it("are its operation's statements that may write, not the gateway's own bookkeeping for it", async () => {
    const request = new Request('http://gateway.test/graphql', { method: 'POST' });
    const scope: RequestScope = { requestId: 'r-1', signal: new AbortController().signal, connections: new Set(), mayHaveWritten: false };
    bindRequestScope(request, scope);
    const write = () => t.db.sql.query(`UPDATE organizations SET name = name WHERE id = $1`, [tenant.organizationId]);
    await inRequestScope(request, () => t.db.sql.query(`SELECT 1`));
    await inRequestScope(request, write, { bookkeeping: true });
    expect(scope.mayHaveWritten).toBe(false);
    await inRequestScope(request, write);
    expect(scope.mayHaveWritten).toBe(true);
  });
});

