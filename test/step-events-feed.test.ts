import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { recordChanges } from '../src/db/step-events.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed, type EventFeed } from '../src/events/feed.ts';
import { createLogger } from '../src/logger.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep, within } from './helpers/time.ts';

/**
 * The feed reader and the recording of events: the first reading marks what is there without announcing it;
 * one process reads the feed at a time, and another takes over when it goes; events are numbered in the
 * order they become visible, whoever records them.
 */

const silent = createLogger('silent');

interface Logged {
  organization_id: string;
  seq: number;
  step_id: string;
  type: string;
}

const log = (db: Database, organizationId: string) =>
  db.sql.query<Logged>(`SELECT organization_id, seq::int AS seq, step_id, type FROM gateway_step_events WHERE organization_id = $1 ORDER BY seq`, [organizationId]);

describe('the feed reader', () => {
  let t: TestGateway;
  const feeds: EventFeed[] = [];
  beforeAll(async () => {
    t = await createTestGateway();
  });
  afterAll(async () => {
    for (const feed of feeds) await feed.stop();
    await t.close();
  });

  it('marks the steps a database already holds on its first reading, and announces only what changes after', async () => {
    const tenant = await createTenant(t.db, 'Existing');
    const old = await insertStep(t.db, tenant.organizationId, { status: 'PENDING' });
    await insertStep(t.db, tenant.organizationId);
    const feed = createEventFeed(t.db, createLocalBus(), silent, { pollMs: 0, retentionMs: 3_600_000 });
    feeds.push(feed);
    // Nothing is recorded before the first reading: a write through the gateway waits for the marks too.
    expect(await recordChanges(t.db.sql, [old])).toEqual([]);
    expect(await feed.readNow()).toBe(true);
    expect(await log(t.db, tenant.organizationId)).toEqual([]);
    const [state] = await t.db.sql.query<{ status: string }>(`SELECT status FROM gateway_events_state`);
    expect(state!.status).toBe('ready');
    await t.db.sql.query(`UPDATE steps SET status = 'SUCCESS', updated_at = now() WHERE id = $1`, [old]);
    const fresh = await insertStep(t.db, tenant.organizationId);
    await feed.readNow();
    expect((await log(t.db, tenant.organizationId)).map((e) => [e.step_id, e.type]).sort()).toEqual([[fresh, 'CREATED'], [old, 'UPDATED']].sort());
  });

  it('leaves out deleted steps and steps of no organization', async () => {
    const tenant = await createTenant(t.db, 'Deleted');
    const feed = createEventFeed(t.db, createLocalBus(), silent, { pollMs: 0, retentionMs: 3_600_000 });
    feeds.push(feed);
    await insertStep(t.db, tenant.organizationId, { is_deleted: true });
    await t.db.sql.query(`INSERT INTO steps (id, organization_id, tags) VALUES ('step-00000000-0000-4000-8000-00000000d0d0', NULL, '[]')`);
    await feed.readNow();
    expect(await log(t.db, tenant.organizationId)).toEqual([]);
    expect(await t.db.sql.query(`SELECT * FROM gateway_step_events WHERE step_id = 'step-00000000-0000-4000-8000-00000000d0d0'`)).toEqual([]);
  });
});

describe.runIf(onPostgres)(`the feed reader across processes ${NEEDS_POSTGRES}`, () => {
  let t: TestGateway;
  /** Each "process" with a pool of its own. */
  const pools: Database[] = [];
  const feeds: EventFeed[] = [];
  beforeAll(async () => {
    t = await createTestGateway();
  });
  afterAll(async () => {
    for (const feed of feeds) await feed.stop();
    for (const pool of pools) await pool.close();
    await t.close();
  });
  const process = (pollMs = 50) => {
    const db = openPostgres({ url: t.database.url!, poolMax: 5, connectionTimeoutMs: 2000, statementTimeoutMs: 10_000, applicationName: `feed-${pools.length}` });
    pools.push(db);
    const feed = createEventFeed(db, createLocalBus(), silent, { pollMs, retentionMs: 3_600_000, leaderRetryMs: 100 });
    feeds.push(feed);
    return feed;
  };

  it('is one process at a time; another takes over within a second when its connection ends', async () => {
    const [a, b, c] = [process(), process(), process()];
    for (const feed of [a, b, c]) feed.start();
    await within(3000, async () => [a, b, c].filter((feed) => feed.leading()).length === 1, 20);
    await sleep(300);
    expect([a, b, c].filter((feed) => feed.leading())).toHaveLength(1);
    const leader = [a, b, c].find((feed) => feed.leading())!;
    // Its session killed, as when its process dies or its host goes away.
    const admin = new pg.Client({ connectionString: t.database.url });
    await admin.connect();
    const started = Date.now();
    await admin.query(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid::bigint = 7302651045 / 4294967296 AND l.objid::bigint = 7302651045 % 4294967296 AND l.granted`);
    await admin.end();
    await within(3000, async () => [a, b, c].some((feed) => feed !== leader && feed.leading()), 10);
    expect(Date.now() - started).toBeLessThan(1500);
    await within(3000, async () => [a, b, c].filter((feed) => feed.leading()).length === 1, 20);
    // The steps written meanwhile are announced by the new leader.
    const tenant = await createTenant(t.db, 'Handover');
    const step = await insertStep(t.db, tenant.organizationId);
    await within(3000, async () => (await log(t.db, tenant.organizationId)).length === 1, 20);
    expect((await log(t.db, tenant.organizationId))[0]).toMatchObject({ seq: 1, step_id: step, type: 'CREATED' });
    for (const feed of [a, b, c]) await feed.stop();
  });

  it('numbers events in the order they become visible, without a gap or a repeat, however many record at once', async () => {
    const tenant = await createTenant(t.db, 'Concurrent');
    const feed = process(20);
    feed.start();
    const steps = await Promise.all(Array.from({ length: 20 }, () => insertStep(t.db, tenant.organizationId, { tags: [] })));
    await within(5000, async () => (await log(t.db, tenant.organizationId)).length === 20, 20);
    // A reader of the log as subscribers read it: after the last number it has seen.
    const seenAt: { max: number; seen: Set<number> }[] = [];
    let reading = true;
    const reader = (async () => {
      let last = 0;
      const seen = new Set<number>();
      while (reading) {
        const rows = await t.db.sql.query<{ seq: number }>(`SELECT seq::int AS seq FROM gateway_step_events WHERE organization_id = $1 AND seq > $2 ORDER BY seq`, [tenant.organizationId, last]);
        for (const row of rows) seen.add(row.seq);
        last = Math.max(last, ...rows.map((row) => row.seq));
        seenAt.push({ max: last, seen: new Set(seen) });
      }
    })();
    // Eight writers, each changing steps by SQL and recording at once, as the gateway's own writes do; the
    // feed records whatever they have not yet.
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const step = steps[(w * 25 + i) % steps.length]!;
        await t.db.sql.query(`UPDATE steps SET tags = (tags::jsonb || to_jsonb($2::text))::json, updated_at = now() WHERE id = $1`, [step, `w${w}-${i}`]);
        await recordChanges(t.db.sql, [step]);
      }
    });
    await Promise.all(writers);
    await sleep(300);
    reading = false;
    await reader;
    const events = await log(t.db, tenant.organizationId);
    // Every number once, from 1; 200 changes, each a FEEDBACK (tags) recorded once, by whoever saw it first.
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'FEEDBACK').length).toBeLessThanOrEqual(200);
    const [{ tags } = { tags: 0 }] = await t.db.sql.query<{ tags: number }>(
      `SELECT sum(json_array_length(tags))::int AS tags FROM steps WHERE organization_id = $1`,
      [tenant.organizationId],
    );
    expect(tags).toBe(200);
    // No reader ever found an event numbered below what it had read, later: each read holds every number up to its max.
    for (const { max, seen } of seenAt) for (let seq = 1; seq <= max; seq++) expect(seen.has(seq), `event ${seq} appeared after ${max}`).toBe(true);
    await feed.stop();
  });

  it('announces a change whose transaction commits late, within the overlap it reads again', async () => {
    const tenant = await createTenant(t.db, 'Late');
    const feed = process(20);
    feed.start();
    const step = await insertStep(t.db, tenant.organizationId, { status: 'PENDING' });
    await within(3000, async () => (await log(t.db, tenant.organizationId)).length === 1, 20);
    const slow = new pg.Client({ connectionString: t.database.url });
    await slow.connect();
    await slow.query('BEGIN');
    // Its `updated_at` is the time the transaction began; it becomes visible seconds later.
    await slow.query(`UPDATE steps SET status = 'SUCCESS', updated_at = now() WHERE id = $1`, [step]);
    const other = await insertStep(t.db, tenant.organizationId);
    await within(3000, async () => (await log(t.db, tenant.organizationId)).length === 2, 20);
    await sleep(1500);
    await slow.query('COMMIT');
    await slow.end();
    await within(3000, async () => (await log(t.db, tenant.organizationId)).length === 3, 20);
    expect((await log(t.db, tenant.organizationId)).map((e) => [e.step_id, e.type])).toEqual([
      [step, 'CREATED'],
      [other, 'CREATED'],
      [step, 'UPDATED'],
    ]);
    await feed.stop();
  });
});
