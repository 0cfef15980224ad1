import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed, type EventFeed } from '../src/events/feed.ts';
import { createLogger } from '../src/logger.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../scripts/lib/private-postgres.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { subscribe } from './helpers/sse.ts';
import { sleep } from './helpers/time.ts';

/**
 * Live updates through a Postgres outage, on a cluster of the test's own: the subscriptions stay open, events
 * pause, and once Postgres is back what was written before it went away is announced, in order, without a gap.
 */

let cluster: PrivatePostgres;
let db: Database;
let t: TestGateway;
let feed: EventFeed;

beforeAll(async () => {
  if (!onPostgres) return;
  cluster = await startPrivatePostgres({ settings: { fsync: 'off' } });
  db = openPostgres({ url: cluster.url, poolMax: 10, connectionTimeoutMs: 1000, statementTimeoutMs: 5000 });
  await migrate(db.sql);
  const bus = createLocalBus();
  t = await createTestGateway({ database: { db, url: cluster.url, drop: async () => {} }, events: { bus, checkMs: 200 } });
  feed = createEventFeed(db, bus, createLogger('silent'), { pollMs: 0, retentionMs: 3_600_000 });
  await feed.readNow();
}, 60_000);
afterAll(async () => {
  if (!onPostgres) return;
  await t?.gateway.events.close();
  await feed?.stop();
  await db?.close().catch(() => {});
  await cluster?.destroy();
});

describe.runIf(onPostgres)(`live updates through a Postgres outage ${NEEDS_POSTGRES}`, () => {
  it('pause while Postgres is down, and resume in order with nothing lost once it is back', { timeout: 60_000 }, async () => {
    const tenant = await createTenant(db, 'Outage');
    const everything = await subscribe(t.gateway.fetch, 'http://gateway.test/graphql', tenant.key, 'subscription { stepEvents { cursor type stepId } }');
    const filtered = await subscribe(t.gateway.fetch, 'http://gateway.test/graphql', tenant.key, 'subscription { stepEvents(filter: { agentId: "agent-kept" }) { cursor type stepId } }');
    const before = await insertStep(db, tenant.organizationId, { agent_id: 'agent-kept' });
    await feed.readNow();
    expect((await everything.take()).result.data.stepEvents).toMatchObject({ cursor: '1', stepId: before });
    expect((await filtered.take()).result.data.stepEvents).toMatchObject({ cursor: '1', stepId: before });

    // Written, then Postgres goes away before the feed reads it.
    const unread = await insertStep(db, tenant.organizationId, { agent_id: 'agent-kept' });
    await cluster.stop('immediate');
    await expect(feed.readNow()).rejects.toThrow();
    await sleep(1000);
    await cluster.start();

    // The subscriptions are still open: the feed reads on from its watermark, the new steps after it.
    const after = await insertStep(db, tenant.organizationId, { agent_id: 'agent-kept' });
    for (let tries = 0; tries < 20; tries++) {
      if (await feed.readNow().then(() => true, () => false)) break;
      await sleep(250);
    }
    for (const stream of [everything, filtered]) {
      const events = (await stream.takeMany(2, 10_000)).map(({ result }) => result.data.stepEvents);
      expect(events.map((event) => [event.cursor, event.type, event.stepId])).toEqual([
        ['2', 'CREATED', unread],
        ['3', 'CREATED', after],
      ]);
    }
    await Promise.all([everything.close(), filtered.close()]);
  });
});
