import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ALL_SOURCES, changesAfter, OVERLAP_MS, readingFrom } from '../src/db/change-feed.ts';
import { createTenant, insertMessage, insertMetrics, insertRaw, insertStep, insertTrace, newId } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

/** What changed in steps and step_metrics since a time: paged in (updated_at, id) order, metrics leading to their step. */

let t: TestGateway;
let organizationId: string;

beforeAll(async () => {
  t = await createTestGateway();
  ({ organizationId } = await createTenant(t.db, 'Feed'));
});
afterAll(() => t.close());

describe('the change feed', () => {
  it('reads every changed step once per page, in order, paging on without a gap or a repeat', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await insertStep(t.db, organizationId, { updated_at: `2026-05-01T00:00:0${i}.000001Z` }));
    // Two steps changed at the same microsecond are told apart by their ids.
    ids.push(await insertStep(t.db, organizationId, { id: 'step-zzzz-tie', updated_at: '2026-05-01T00:00:06.000001Z' }));
    const from = { at: '2026-05-01T00:00:00.000000Z', id: '' };
    const read: string[] = [];
    let position = from as { at: string; id: string } | null;
    for (let pages = 0; pages < 10; pages++) {
      const changes = await changesAfter(t.db.sql, position, 3);
      read.push(...changes.stepIds);
      position = changes.position;
      if (!changes.more) break;
    }
    expect(read).toEqual(ids);
    expect(position).toEqual({ at: '2026-05-01T00:00:06.000001Z', id: 'step-zzzz-tie' });
    // Nothing after the last position.
    expect(await changesAfter(t.db.sql, position, 3)).toEqual({ stepIds: [], rows: [], position, more: false });
  });

  it("a step's metrics written later bring the step back, once", async () => {
    const step = await insertStep(t.db, organizationId, { updated_at: '2026-05-02T00:00:00Z' });
    await insertMetrics(t.db, step, { step_ns: 1, updated_at: '2026-05-02T00:00:05Z' });
    const changes = await changesAfter(t.db.sql, { at: '2026-05-01T23:59:59.000000Z', id: '' }, 100);
    expect(changes.stepIds).toEqual([step]);
    const later = await changesAfter(t.db.sql, { at: '2026-05-02T00:00:01.000000Z', id: '' }, 100);
    expect(later.stepIds).toEqual([step]);
  });

  it("a step's messages, traces and feedback entries lead to it, when read; the statistics' reading leaves them out", async () => {
    const step = await insertStep(t.db, organizationId, { updated_at: '2026-05-03T00:00:00Z' });
    const message = await insertMessage(t.db, organizationId, step, { updated_at: '2026-05-03T00:00:01Z' });
    const trace = await insertTrace(t.db, organizationId, step, { updated_at: '2026-05-03T00:00:02Z' });
    const entry = newId('feedback');
    await insertRaw(t.db, 'gateway_feedback_entries', {
      id: entry, organization_id: organizationId, step_id: step, name: 'overall', score: 1, source: 'API', submitter_type: 'SYSTEM', submitter_id: 's', api_key_id: 'k',
      attributes: {}, created_at: '2026-05-03T00:00:03Z', updated_at: '2026-05-03T00:00:03Z',
    });
    const from = { at: '2026-05-03T00:00:00.500000Z', id: '' };
    const all = await changesAfter(t.db.sql, from, 100, ALL_SOURCES);
    expect(all.rows.every((row) => /^\d+$/.test(row.version))).toBe(true);
    expect(all.rows.map((row) => [row.source, row.id, row.stepId])).toEqual([
      ['messages', message, step],
      ['provider_traces', trace, step],
      ['gateway_feedback_entries', entry, step],
    ]);
    expect(all.stepIds).toEqual([step]);
    expect((await changesAfter(t.db.sql, from, 100)).stepIds).toEqual([]);
  });

  it(`reads again from ${OVERLAP_MS / 1000} s before the time reached, for transactions that committed late`, () => {
    expect(readingFrom(null)).toBeNull();
    expect(readingFrom('2026-05-02T00:00:10.000000Z')).toEqual({ at: new Date(Date.parse('2026-05-02T00:00:10Z') - OVERLAP_MS).toISOString().replace('Z', '000Z'), id: '' });
  });
});
