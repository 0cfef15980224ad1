import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLoaders } from '../src/loaders/index.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

/** The loaders of one request, driven directly over a real database, counting the statements they send. */
let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;
let stepIds: string[];
let foreignStep: string;

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Loaded');
  other = await createTenant(t.db, 'Other');
  stepIds = [];
  for (let i = 0; i < 3; i++) stepIds.push(await insertStep(t.db, tenant.organizationId, { model: `model-${i}`, agent_id: `agent-${i}` }));
  foreignStep = await insertStep(t.db, other.organizationId, { model: 'theirs' });
});
afterAll(() => t.close());

const count = async <T>(work: () => Promise<T>) => {
  const { result, statements } = await t.statements(work);
  return { result, statements: statements.length };
};

describe('RowsByKey, through the loaders of a request', () => {
  it('reads the keys asked for in one tick, with the same fields, in one statement', async () => {
    const { stepById } = createLoaders(t.db, tenant.organizationId);
    const { result, statements } = await count(() => Promise.all(stepIds.map((id) => stepById.load(id, ['id', 'model']))));
    expect(statements).toBe(1);
    expect(result.map((row) => row?.model)).toEqual(['model-0', 'model-1', 'model-2']);
  });

  it('reuses a row read with the fields asked for, reads the missing ones, and merges the two reads', async () => {
    const { stepById } = createLoaders(t.db, tenant.organizationId);
    const id = stepIds[0]!;
    expect((await count(() => stepById.load(id, ['id', 'model']))).statements).toBe(1);
    expect((await count(() => stepById.load(id, ['id', 'model']))).statements).toBe(0);
    const other = await count(() => stepById.load(id, ['id', 'agentId']));
    expect(other.statements).toBe(1);
    expect(other.result).toEqual({ id, agentId: 'agent-0' });
    const both = await count(() => stepById.load(id, ['id', 'model', 'agentId']));
    expect(both.statements).toBe(0);
    expect(both.result).toEqual({ id, model: 'model-0', agentId: 'agent-0' });
  });

  it('answers from a primed row, a complete one for any fields, and keeps a complete row over a partial one', async () => {
    const { stepById } = createLoaders(t.db, tenant.organizationId);
    const id = stepIds[1]!;
    const complete = await stepById.load(id);
    expect(complete).toMatchObject({ id, model: 'model-1', agentId: 'agent-1' });
    stepById.prime(id, { id, model: 'partial' } as never, ['id', 'model']);
    const again = await count(() => stepById.load(id, ['id', 'agentId']));
    expect(again.statements).toBe(0);
    expect(again.result).toMatchObject({ model: 'model-1', agentId: 'agent-1' });
  });

  it("answers null for another organization's row, and remembers it", async () => {
    const { stepById } = createLoaders(t.db, tenant.organizationId);
    expect(await stepById.load(foreignStep, ['id', 'model'])).toBeNull();
    expect((await count(() => stepById.load(foreignStep, ['id', 'model']))).statements).toBe(0);
  });

  it('reads a row again after it is cleared (after a write)', async () => {
    const { stepById } = createLoaders(t.db, tenant.organizationId);
    const id = stepIds[2]!;
    await stepById.load(id, ['id', 'model']);
    await t.db.sql.query('UPDATE steps SET model = $1 WHERE id = $2', ['changed', id]);
    expect(await stepById.load(id, ['id', 'model'])).toMatchObject({ model: 'model-2' });
    stepById.clear(id);
    const fresh = await count(() => stepById.load(id, ['id', 'model']));
    expect(fresh.statements).toBe(1);
    expect(fresh.result).toMatchObject({ model: 'changed' });
  });
});
