import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rebuildStats } from '../src/db/stats-tables.ts';
import { seed } from '../src/db/seed.ts';
import { createLogger } from '../src/logger.ts';
import { createStatsMaintainer, FRESH_MS, type StatsMaintainer } from '../src/stats.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant, insertMetrics, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep, within } from './helpers/time.ts';

/**
 * The pre-aggregated statistics kept current by a running maintainer, as production runs it (refreshed every
 * second, read while brought up to date within FRESH_MS): steps written by plain SQL, as Letta writes them,
 * show in stepStats within FRESH_MS, and so do later changes of their status, tokens, feedback and metrics.
 */

let t: TestGateway;
let maintainer: StatsMaintainer;
let tenant: Awaited<ReturnType<typeof createTenant>>;
const AGENT = 'agent-fresh';
const RANGE = { createdAfter: '2026-06-01T00:00:00Z', createdBefore: '2026-07-01T00:00:00Z' };

const STATS = `query Fresh($filter: StepFilter) {
  stepStats(filter: $filter) {
    total { count failedCount positiveFeedbackCount totalTokens { sum } stepMs { count max } }
  }
}`;

/** The agent's stats, and whether they were read from the pre-aggregated tables. */
async function agentStats(filter: Record<string, unknown> = { ...RANGE, agentId: AGENT }) {
  const { result, statements } = await t.statements(() => t.graphql(tenant.key, STATS, { filter }));
  expect(result.body.errors).toBeUndefined();
  return { total: result.body.data.stepStats.total, preaggregated: statements.some((sql) => /gateway_step_(facts|rollups)/.test(sql)) };
}

/** Waits until the agent's stats (read from the pre-aggregated tables) match, and returns how long it took. */
async function shows(expected: Record<string, unknown>) {
  return within(FRESH_MS, async () => {
    const { total, preaggregated } = await agentStats();
    return preaggregated && Object.entries(expected).every(([key, value]) => JSON.stringify(total[key]) === JSON.stringify(value));
  }, 50);
}

beforeAll(async () => {
  const setup = await createTestGateway();
  tenant = await createTenant(setup.db, 'Fresh');
  await seed(setup.db.sql, { organizationId: tenant.organizationId, steps: 200, seed: 5, start: new Date('2026-06-10T00:00:00Z') });
  maintainer = createStatsMaintainer(setup.db, createLogger('silent'), { intervalMs: 1000 });
  t = await createTestGateway({ database: setup.database, stats: maintainer });
  maintainer.start();
  await within(20_000, async () => maintainer.usable(), 50);
}, 60_000);
afterAll(async () => {
  await maintainer.stop();
  await t.close();
});

describe('pre-aggregated step statistics, kept current', () => {
  it('a step inserted by SQL shows within FRESH_MS, then its status, tokens, feedback and metrics as they change', async () => {
    const id = await insertStep(t.db, tenant.organizationId, { agent_id: AGENT, created_at: '2026-06-15T10:00:00Z', status: 'PENDING', total_tokens: 100 });
    const waits = [await shows({ count: 1, failedCount: 0, totalTokens: { sum: 100 }, stepMs: { count: 0, max: null } })];
    await t.db.sql.query(`UPDATE steps SET status = 'FAILED', total_tokens = 250, updated_at = now() WHERE id = $1`, [id]);
    waits.push(await shows({ count: 1, failedCount: 1, totalTokens: { sum: 250 } }));
    await t.db.sql.query(`UPDATE steps SET feedback = 'positive', updated_at = now() WHERE id = $1`, [id]);
    waits.push(await shows({ positiveFeedbackCount: 1 }));
    // Letta writes a step's metrics after the step.
    await insertMetrics(t.db, id, { step_ns: 1_500_000_000 });
    waits.push(await shows({ stepMs: { count: 1, max: 1500 } }));
    // Through the gateway: Letta's thumbs value, changed by setStepFeedback.
    const set = await t.graphql(tenant.key, `mutation { setStepFeedback(input: { stepId: "${id}", feedback: NEGATIVE }) { step { feedback } } }`);
    expect(set.body.errors).toBeUndefined();
    waits.push(await shows({ positiveFeedbackCount: 0 }));
    await t.db.sql.query(`UPDATE steps SET is_deleted = true, updated_at = now() WHERE id = $1`, [id]);
    waits.push(await shows({ count: 0, totalTokens: { sum: 0 } }));
    expect(Math.max(...waits)).toBeLessThan(FRESH_MS);
  });

  it('agrees with Letta’s own tables on every measure, by dimension, after all of that', async () => {
    const query = `{ stepStats(filter: { createdAfter: "2026-06-01T00:00:00Z" }, groupBy: [AGENT], bucket: { unit: DAY }, first: 1000) {
      nodes { bucket agentId stats { count failedCount totalTokens { sum mean } stepMs { p95 } } } } }`;
    const stepsOnly = await createTestGateway({ database: t.database });
    const truth = (await stepsOnly.graphql(tenant.key, query)).body.data;
    const { result, statements } = await t.statements(() => t.graphql(tenant.key, query));
    expect(statements.some((sql) => sql.includes('gateway_step_facts'))).toBe(true);
    expect(result.body.data).toEqual(truth);
  });

  it.skipIf(!onPostgres)(`a transaction that commits seconds after it began is not missed ${onPostgres ? '' : NEEDS_POSTGRES}`, async () => {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      // updated_at is the transaction's start (now()), written before maintenance has read past it.
      await client.query(`INSERT INTO steps (id, organization_id, agent_id, created_at, tags, status) VALUES ($1, $2, $3, '2026-06-20T00:00:00Z', '[]', 'SUCCESS')`, [
        `step-${crypto.randomUUID()}`, tenant.organizationId, 'agent-late',
      ]);
      await sleep(3000);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    await within(FRESH_MS, async () => {
      const { total, preaggregated } = await agentStats({ ...RANGE, agentId: 'agent-late' });
      return preaggregated && total.count === 1;
    }, 50);
  });

  it('a rebuild restores statistics that were lost, and reads are right while it runs', async () => {
    const filter = { createdAfter: '2026-06-01T00:00:00Z' };
    const { total: before } = await agentStats(filter);
    expect(before.count).toBeGreaterThan(100);
    // Lost: the facts and rollups of the tenant are gone (as after a restore of Letta's tables alone).
    await maintainer.stop();
    await t.db.sql.query('DELETE FROM gateway_step_facts WHERE organization_id = $1', [tenant.organizationId]);
    await t.db.sql.query('DELETE FROM gateway_step_rollups WHERE organization_id = $1', [tenant.organizationId]);
    await maintainer.refresh();
    // Only the steps changed within the feed's overlap are applied again.
    const lost = (await agentStats(filter)).total.count;
    expect(lost).toBeLessThan(before.count / 2);
    // Rebuilt by the command's function, read all the while (from Letta's tables while it builds).
    const rebuilding = rebuildStats(t.db.sql);
    const during: number[] = [];
    let done = false;
    void rebuilding.finally(() => (done = true));
    while (!done) {
      during.push((await agentStats(filter)).total.count);
      await maintainer.refresh().catch(() => undefined);
    }
    await rebuilding;
    await maintainer.refresh();
    const after = await agentStats(filter);
    expect(after.preaggregated).toBe(true);
    expect(after.total).toEqual(before);
    // Reads during the build saw the lost statistics until it was marked building, then Letta's tables: never a third answer.
    for (const count of during) expect([lost, before.count]).toContain(count);
    // The rebuilt tables took the old ones' place under the migration's names: the schema is as migrated.
    const indexes = await t.db.sql.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename IN ('gateway_step_facts', 'gateway_step_rollups') ORDER BY 1`);
    expect(indexes.map((row) => row.indexname)).toEqual(['gateway_ix_step_facts_org_created_at', 'gateway_ix_step_rollups_empty', 'gateway_step_facts_pkey', 'gateway_step_rollups_pkey']);
    const constraints = await t.db.sql.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conname IN ('gateway_step_facts_pkey', 'gateway_step_rollups_pkey', 'gateway_step_facts_pkey_next', 'gateway_step_rollups_pkey_next') AND contype = 'p' ORDER BY 1`);
    expect(constraints.map((row) => row.conname)).toEqual(['gateway_step_facts_pkey', 'gateway_step_rollups_pkey']);
    expect(await t.db.sql.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE '%_next'`)).toEqual([]);
  });
});
