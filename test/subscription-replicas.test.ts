import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createKey } from '../src/auth/api-keys.ts';
import { startPrivateRedis, type PrivateRedis } from '../scripts/lib/private-redis.ts';
import { createEmptyDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';
import { insertStep } from './helpers/factories.ts';
import { startGateway, type GatewayProcess } from './helpers/process.ts';
import { NEEDS_EMBEDDED, NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep, within } from './helpers/time.ts';

/**
 * Live updates across replicas, as `npm start` runs them: two gateway processes over one Postgres and one
 * Redis (a private one, which the test stops and starts again), steps inserted by plain SQL as Letta inserts
 * them. The feed reader moves to the other process when its process is killed; subscribers of either replica
 * get every event once, in order; a subscriber that reconnects with its last cursor gets exactly what it missed.
 */

const EVENTS = 'subscription($after: String) { stepEvents(after: $after) { cursor type stepId } }';
// A Redis of the test's own, which it stops and starts again.
const ORG = 'org-00000000-0000-4000-8000-00000000e7e7';

interface Received {
  cursors: string[];
  events: { cursor: string; type: string; stepId: string }[];
  errors: unknown[];
  completed: boolean;
}

/** A subscriber that records what it receives. */
function record(subscribe: (sink: { next(value: any): void; error(error: unknown): void; complete(): void }) => () => void) {
  const received: Received = { cursors: [], events: [], errors: [], completed: false };
  const stop = subscribe({
    next: (value) => {
      const event = value.data?.stepEvents;
      if (event) {
        received.events.push(event);
        received.cursors.push(event.cursor);
      } else received.errors.push(value);
    },
    error: (error) => received.errors.push(error),
    complete: () => (received.completed = true),
  });
  return { received, stop };
}

const has = (received: Received, stepId: string, type = 'CREATED') => received.events.some((event) => event.stepId === stepId && event.type === type);

describe.runIf(onPostgres)(`two replicas over one Postgres and one Redis ${NEEDS_POSTGRES}`, { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  const replicas: GatewayProcess[] = [];
  const clients: WsClient[] = [];
  let key: string;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    redis = await startPrivateRedis();
    const env = { DATABASE_URL: database.url!, REDIS_URL: redis.url, LOG_LEVEL: 'info', EVENTS_POLL_MS: '100', STATS_REFRESH_MS: '0' };
    // One after the other: the first migrates the database.
    replicas.push(await startGateway(env));
    replicas.push(await startGateway(env));
    await database.db.sql.query(`INSERT INTO organizations (id, name) VALUES ($1, 'Replicas') ON CONFLICT DO NOTHING`, [ORG]);
    key = (await createKey(database.db.prisma, ORG)).key;
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) await Promise.resolve(client.dispose()).catch(() => {});
    for (const replica of replicas) {
      replica.child.kill('SIGKILL');
      await replica.exited;
    }
    await redis?.stop();
    await database?.drop();
  });

  const ws = (replica: GatewayProcess) => {
    const client = createWsClient({ url: replica.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    clients.push(client);
    return client;
  };
  const sse = (replica: GatewayProcess) => createSseClient({ url: replica.url, headers: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  const leaderOf = () => replicas.find((replica) => replica.stdout().includes('this process reads the feed'))!;
  const insert = () => insertStep(database.db, ORG, { created_at: new Date().toISOString() });

  it('delivers every event to the subscribers of both, through Redis or, while it is down, through the database', async () => {
    const [a, b] = replicas as [GatewayProcess, GatewayProcess];
    const onA = record((sink) => ws(a).subscribe({ query: EVENTS }, sink));
    const onB = record((sink) => sse(b).subscribe({ query: EVENTS }, sink));
    await sleep(500);
    const first = await insert();
    await within(3000, async () => has(onA.received, first) && has(onB.received, first), 20);

    // Redis goes away: a replica's own writes reach its subscribers at once, the other's through the log.
    await redis.stop();
    const feedback = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: `mutation { setStepFeedback(input: { stepId: "${first}", feedback: POSITIVE }) { step { id } } }` }),
    });
    expect(feedback.status).toBe(200);
    await within(1000, async () => has(onA.received, first, 'FEEDBACK'), 10);
    await within(5000, async () => has(onB.received, first, 'FEEDBACK'), 20);
    const duringOutage = await insert();
    await within(5000, async () => has(onA.received, duringOutage) && has(onB.received, duringOutage), 20);
    await redis.start();
    await sleep(1500);
    const after = await insert();
    await within(3000, async () => has(onA.received, after) && has(onB.received, after), 20);

    // Each got every event once, in order.
    for (const { received } of [onA, onB]) {
      expect(received.errors).toEqual([]);
      expect(received.cursors).toEqual(['1', '2', '3', '4']);
    }
    onA.stop();
    onB.stop();
  });

  it("hands the feed to the other replica when the leader's process is killed; a subscriber resumes there with exactly what it missed", async () => {
    const leader = leaderOf();
    const other = replicas.find((replica) => replica !== leader)!;
    const onLeader = record((sink) => ws(leader).subscribe({ query: EVENTS, variables: { after: '4' } }, sink));
    const onOther = record((sink) => ws(other).subscribe({ query: EVENTS, variables: { after: '4' } }, sink));
    await sleep(500);
    const before = await insert();
    await within(3000, async () => has(onLeader.received, before) && has(onOther.received, before), 20);
    const lastSeen = onLeader.received.cursors.at(-1)!;

    leader.child.kill('SIGKILL');
    await leader.exited;
    replicas.splice(replicas.indexOf(leader), 1);
    const killedAt = Date.now();
    const missed = [await insert(), await insert()];
    await within(10_000, async () => missed.every((step) => has(onOther.received, step)), 20);
    // Taken over and read within a few seconds of the kill.
    expect(Date.now() - killedAt).toBeLessThan(5000);
    await within(5000, async () => other.stdout().includes('this process reads the feed'), 50);

    // The subscriber of the killed replica reconnects to the other with the last cursor it received.
    const resumed = record((sink) => ws(other).subscribe({ query: EVENTS, variables: { after: lastSeen } }, sink));
    await within(3000, async () => resumed.received.events.length >= 2, 20);
    await sleep(300);
    expect(resumed.received.events.map((event) => event.stepId)).toEqual(missed);
    expect(resumed.received.cursors).toEqual([String(Number(lastSeen) + 1), String(Number(lastSeen) + 2)]);
    expect(onOther.received.cursors).toEqual(['5', '6', '7']);
    onOther.stop();
    resumed.stop();
  });

  it('closes its subscriptions at once on SIGTERM, so that they do not hold the drain', async () => {
    const replica = replicas[0]!;
    const closed: number[] = [];
    const client = createWsClient({
      url: replica.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      on: { closed: (event) => closed.push((event as { code: number }).code) },
    });
    clients.push(client);
    const onWs = record((sink) => client.subscribe({ query: EVENTS }, sink));
    const onSse = record((sink) => sse(replica).subscribe({ query: EVENTS }, sink));
    await sleep(500);
    const started = Date.now();
    replica.child.kill('SIGTERM');
    expect(await replica.exited).toBe(0);
    replicas.splice(0, 1);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(closed).toContain(1001);
    await within(1000, async () => onSse.received.errors.length > 0 || onSse.received.completed, 20);
    void onWs;
  });
});

describe.runIf(!onPostgres)(`the embedded demo ${NEEDS_EMBEDDED}`, { timeout: 120_000 }, () => {
  let dataDir: string;
  let demo: GatewayProcess;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-live-'));
    demo = await startGateway({ DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  }, 120_000);
  afterAll(async () => {
    demo?.child.kill('SIGTERM');
    await demo?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows live events: feedback given in one client reaches the subscription of another', async () => {
    const key = demo.stderr().match(/Demo API key: (sgw_\S+)/)![1]!;
    const client = createWsClient({ url: demo.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    const live = record((sink) => client.subscribe({ query: EVENTS }, sink));
    await sleep(300);
    const post = (query: string) =>
      fetch(demo.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) }).then((r) => r.json() as Promise<any>);
    const stepId = (await post('{ steps(first: 1) { nodes { id } } }')).data.steps.nodes[0].id;
    await post(`mutation { setStepFeedback(input: { stepId: "${stepId}", tags: ["live"] }) { step { id } } }`);
    await within(2000, async () => has(live.received, stepId, 'FEEDBACK'), 10);
    live.stop();
    await client.dispose();
  });
});
