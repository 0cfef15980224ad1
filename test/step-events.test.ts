import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { revokeKey } from '../src/auth/api-keys.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed, type EventFeed } from '../src/events/feed.ts';
import { deleteEventsBefore } from '../src/db/step-events.ts';
import { createLogger } from '../src/logger.ts';
import { createTenant, createTenantKey, insertMessage, insertMetrics, insertStep, insertTrace } from './helpers/factories.ts';
import { SET_FEEDBACK, SUBMIT_FEEDBACK } from './helpers/feedback.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { subscribe, type EventStream } from './helpers/sse.ts';
import { sleep, within } from './helpers/time.ts';

/**
 * Subscriptions to step events over GraphQL over SSE, in process: steps written by plain SQL (as a Letta server
 * writes them) are announced when the feed is read; writes through the gateway at once. Each test has an
 * organization of its own, whose events are numbered from 1.
 */

const URL = 'http://gateway.test/graphql';
const EVENTS = `subscription Events($filter: StepFilter, $types: [StepEventType!], $after: String) {
  stepEvents(filter: $filter, types: $types, after: $after) { cursor type stepId at step { id status feedback tags totalTokens } }
}`;
const STEP = `subscription Step($id: ID!, $after: String) { step(id: $id, after: $after) { cursor type stepId step { id status } } }`;

let t: TestGateway;
let feed: EventFeed;
const silent = createLogger('silent');

beforeAll(async () => {
  const bus = createLocalBus();
  t = await createTestGateway({ events: { bus, checkMs: 100, buffer: 20, perKey: 8 } });
  // Read when a test says so: what it wrote by SQL is then announced.
  feed = createEventFeed(t.db, bus, silent, { pollMs: 0, retentionMs: 3_600_000 });
  await feed.readNow();
});
afterAll(async () => {
  await t.gateway.events.close();
  await feed.stop();
  await t.close();
});

const open = (key: string, query = EVENTS, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  subscribe(t.gateway.fetch, URL, key, query, variables, headers);

/** The type, step and cursor of an event (its `at` and step checked where they matter). */
const summary = ({ result }: { result: any }) => {
  const event = result.data?.stepEvents ?? result.data?.step;
  return event === undefined ? result : `${event.cursor} ${event.type} ${event.stepId}`;
};

async function setStatus(stepId: string, status: string, more = '') {
  await t.db.sql.query(`UPDATE steps SET status = $2::stepstatus, updated_at = now() ${more} WHERE id = $1`, [stepId, status]);
}

describe('step events', () => {
  it('announces a step inserted by SQL as CREATED, each change of what it serves as UPDATED and of its feedback as FEEDBACK, once', async () => {
    const tenant = await createTenant(t.db, 'Events');
    const stream = await open(tenant.key);
    expect(stream.status).toBe(200);
    const step = await insertStep(t.db, tenant.organizationId, { status: 'PENDING', agent_id: 'agent-a' });
    await feed.readNow();
    const created = await stream.take();
    expect(created.id).toBe('1');
    expect(created.result).toEqual({
      data: { stepEvents: { cursor: '1', type: 'CREATED', stepId: step, at: expect.stringMatching(/Z$/), step: { id: step, status: 'PENDING', feedback: null, tags: [], totalTokens: 0 } } },
      extensions: { cursor: '1' },
    });

    await setStatus(step, 'SUCCESS', ', total_tokens = 42');
    await feed.readNow();
    expect((await stream.take()).result.data.stepEvents).toMatchObject({ cursor: '2', type: 'UPDATED', step: { status: 'SUCCESS', totalTokens: 42 } });
    // Read again (the feed reads the last seconds again each time): nothing new.
    await feed.readNow();
    expect(await stream.quiet(150)).toBe(true);

    await insertMetrics(t.db, step, { step_ns: 5 });
    await feed.readNow();
    await insertMessage(t.db, tenant.organizationId, step, { role: 'assistant' });
    await feed.readNow();
    await insertTrace(t.db, tenant.organizationId, step);
    await feed.readNow();
    // Tags as Letta's feedback route writes them, then a status and feedback in one write.
    await t.db.sql.query(`UPDATE steps SET tags = '["checked"]'::json, updated_at = now() WHERE id = $1`, [step]);
    await feed.readNow();
    await setStatus(step, 'FAILED', `, feedback = 'negative'`);
    await feed.readNow();
    expect((await stream.takeMany(6)).map(summary)).toEqual([
      `3 UPDATED ${step}`,
      `4 UPDATED ${step}`,
      `5 UPDATED ${step}`,
      `6 FEEDBACK ${step}`,
      `7 UPDATED ${step}`,
      `8 FEEDBACK ${step}`,
    ]);
    expect(stream.events.at(-1)!.result.data.stepEvents.step).toMatchObject({ status: 'FAILED', feedback: 'NEGATIVE', tags: ['checked'] });
    await feed.readNow();
    expect(await stream.quiet(150)).toBe(true);
    await stream.close();
  });

  it('announces a deleted step to every subscription that takes DELETED, whatever its filter, and a step undeleted as CREATED', async () => {
    const tenant = await createTenant(t.db, 'Deleted');
    const step = await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-a' });
    await feed.readNow();
    const everything = await open(tenant.key);
    const filtered = await open(tenant.key, EVENTS, { filter: { agentId: 'agent-a' } });
    const one = await open(tenant.key, STEP, { id: step });
    await t.db.sql.query(`UPDATE steps SET is_deleted = true, updated_at = now() WHERE id = $1`, [step]);
    await feed.readNow();
    for (const stream of [everything, filtered]) {
      expect((await stream.take()).result.data.stepEvents).toMatchObject({ cursor: '2', type: 'DELETED', stepId: step, step: null });
    }
    expect((await one.take()).result.data.step).toMatchObject({ type: 'DELETED', step: null });
    // Read again: once.
    await feed.readNow();
    expect(await everything.quiet(100)).toBe(true);
    await t.db.sql.query(`UPDATE steps SET is_deleted = false, updated_at = now() WHERE id = $1`, [step]);
    await feed.readNow();
    expect(summary(await everything.take())).toBe(`3 CREATED ${step}`);
    expect(summary(await filtered.take())).toBe(`3 CREATED ${step}`);
    // Resumed, the log gives the same.
    const resumed = await open(tenant.key, EVENTS, { filter: { agentId: 'agent-a' }, after: '1' });
    expect((await resumed.takeMany(2)).map(summary)).toEqual([`2 DELETED ${step}`, `3 CREATED ${step}`]);
    await Promise.all([everything.close(), filtered.close(), one.close(), resumed.close()]);
  });

  it('announces a feedback entry deleted without the gateway knowing (its recording failed), when the feed is read', async () => {
    const tenant = await createTenant(t.db, 'Entry deleted');
    const step = await insertStep(t.db, tenant.organizationId);
    await feed.readNow();
    const submitted = await t.graphql(tenant.key, SUBMIT_FEEDBACK, { input: { stepId: step, name: 'accuracy', score: 1 } });
    await t.gateway.events.recorded();
    const stream = await open(tenant.key);
    await t.db.sql.query(`UPDATE gateway_feedback_entries SET deleted_at = now() WHERE id = $1`, [submitted.body.data.submitStepFeedback.entry.id]);
    await feed.readNow();
    expect(summary(await stream.take())).toBe(`3 FEEDBACK ${step}`);
    await stream.close();
  });

  it("ends, rather than keeps, the subscription of a client that takes no stream (406)", async () => {
    const tenant = await createTenant(t.db, 'No stream');
    const before = t.gateway.events.hub.size();
    const response = await t.gateway.fetch(URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${tenant.key}` },
      body: JSON.stringify({ query: EVENTS }),
    });
    expect(response.status).toBe(406);
    await within(1000, async () => t.gateway.events.hub.size() === before);
  });

  it('announces a second change made within the same tick of the clock (the same updated_at)', async () => {
    const tenant = await createTenant(t.db, 'Same tick');
    const stream = await open(tenant.key);
    const step = await insertStep(t.db, tenant.organizationId, { status: 'PENDING' });
    await feed.readNow();
    expect(summary(await stream.take())).toBe(`1 CREATED ${step}`);
    await t.db.sql.query(`UPDATE steps SET status = 'SUCCESS', updated_at = updated_at WHERE id = $1`, [step]);
    await feed.readNow();
    expect(summary(await stream.take())).toBe(`2 UPDATED ${step}`);
    await stream.close();
  });

  it("publishes the gateway's own feedback at once, without the feed, and the feed does not announce it again", async () => {
    const tenant = await createTenant(t.db, 'Own writes');
    const step = await insertStep(t.db, tenant.organizationId);
    await feed.readNow();
    const stream = await open(tenant.key);
    const set = await t.graphql(tenant.key, SET_FEEDBACK, { input: { stepId: step, feedback: 'POSITIVE', tags: ['good'] } });
    expect(set.body.errors).toBeUndefined();
    expect((await stream.take(1000)).result.data.stepEvents).toMatchObject({ cursor: '2', type: 'FEEDBACK', step: { feedback: 'POSITIVE', tags: ['good'] } });
    const submitted = await t.graphql(tenant.key, SUBMIT_FEEDBACK, { input: { stepId: step, name: 'accuracy', score: 0.5 } });
    expect(submitted.body.errors).toBeUndefined();
    expect(summary(await stream.take(1000))).toBe(`3 FEEDBACK ${step}`);
    // The same submission again changes nothing, and announces nothing.
    await t.graphql(tenant.key, SUBMIT_FEEDBACK, { input: { stepId: step, name: 'accuracy', score: 0.5 } });
    const entryId = submitted.body.data.submitStepFeedback.entry.id;
    const deleted = await t.graphql(tenant.key, `mutation($id: ID!) { deleteStepFeedback(input: { id: $id }) { entry { id } } }`, { id: entryId });
    expect(deleted.body.errors).toBeUndefined();
    expect(summary(await stream.take(1000))).toBe(`4 FEEDBACK ${step}`);
    await feed.readNow();
    expect(await stream.quiet(150)).toBe(true);
    await stream.close();
  });

  it('delivers only what the filter and the types keep, with the filter applied to each step when its event is delivered', async () => {
    const tenant = await createTenant(t.db, 'Filtered');
    const successes = await open(tenant.key, EVENTS, { filter: { agentId: 'agent-a', status: 'SUCCESS' } });
    const created = await open(tenant.key, EVENTS, { types: ['CREATED'] });
    const a = await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-a', status: 'PENDING' });
    const b = await insertStep(t.db, tenant.organizationId, { agent_id: 'agent-b', status: 'SUCCESS' });
    await feed.readNow();
    // Delivered (the filter checked) before the step changes again.
    // Written within one reading: numbered in the order of their ids where their times are equal.
    const both = (await created.takeMany(2)).map(({ result }) => result.data.stepEvents);
    expect(both.map((event) => [event.cursor, event.type])).toEqual([['1', 'CREATED'], ['2', 'CREATED']]);
    expect(both.map((event) => event.stepId).sort()).toEqual([a, b].sort());
    await setStatus(a, 'SUCCESS');
    await feed.readNow();
    expect(summary(await successes.take())).toBe(`3 UPDATED ${a}`);
    expect(await successes.quiet(100)).toBe(true);
    expect(await created.quiet(0)).toBe(true);
    await Promise.all([successes.close(), created.close()]);
  });

  it("never delivers another organization's events, even to a filter that names its agent", async () => {
    const mine = await createTenant(t.db, 'Mine');
    const theirs = await createTenant(t.db, 'Theirs');
    const stream = await open(mine.key, EVENTS, { filter: { agentId: 'agent-shared' } });
    const everything = await open(mine.key);
    const other = await insertStep(t.db, theirs.organizationId, { agent_id: 'agent-shared' });
    await feed.readNow();
    await t.graphql(theirs.key, SET_FEEDBACK, { input: { stepId: other, feedback: 'POSITIVE' } });
    const own = await insertStep(t.db, mine.organizationId, { agent_id: 'agent-shared' });
    await feed.readNow();
    expect(summary(await stream.take())).toBe(`1 CREATED ${own}`);
    expect(summary(await everything.take())).toBe(`1 CREATED ${own}`);
    expect(await everything.quiet(150)).toBe(true);
    // Another organization's step cannot be subscribed to, nor resumed into.
    const step = await open(mine.key, STEP, { id: other });
    expect((await step.take()).result.errors[0].extensions.code).toBe('NOT_FOUND');
    await Promise.all([stream.close(), everything.close()]);
  });

  it("subscribes to one step's events", async () => {
    const tenant = await createTenant(t.db, 'One step');
    const [one, two] = [await insertStep(t.db, tenant.organizationId, { status: 'PENDING' }), await insertStep(t.db, tenant.organizationId, { status: 'PENDING' })];
    await feed.readNow();
    const stream = await open(tenant.key, STEP, { id: one });
    await setStatus(two, 'SUCCESS');
    await setStatus(one, 'SUCCESS');
    await feed.readNow();
    expect((await stream.take()).result.data.step).toEqual({ cursor: expect.any(String), type: 'UPDATED', stepId: one, step: { id: one, status: 'SUCCESS' } });
    expect(await stream.quiet(100)).toBe(true);
    await stream.close();
  });

  it('resumes after a cursor (the argument, or Last-Event-ID) with exactly the events missed, in order, then the new ones', async () => {
    const tenant = await createTenant(t.db, 'Resume');
    const first = await open(tenant.key);
    const steps = [await insertStep(t.db, tenant.organizationId), await insertStep(t.db, tenant.organizationId)];
    await feed.readNow();
    const seen = await first.takeMany(2);
    await first.close();
    // Missed while away: a feedback through the gateway, a change by SQL, a new step.
    await t.graphql(tenant.key, SET_FEEDBACK, { input: { stepId: steps[0], feedback: 'POSITIVE' } });
    await t.gateway.events.recorded();
    await setStatus(steps[1]!, 'FAILED');
    await feed.readNow();
    const third = await insertStep(t.db, tenant.organizationId);
    await feed.readNow();
    const missed = [`3 FEEDBACK ${steps[0]}`, `4 UPDATED ${steps[1]}`, `5 CREATED ${third}`];

    const resumed = await open(tenant.key, EVENTS, { after: seen.at(-1)!.id });
    expect((await resumed.takeMany(3)).map(summary)).toEqual(missed);
    const byHeader = await open(tenant.key, EVENTS, {}, { 'last-event-id': '2' });
    expect((await byHeader.takeMany(3)).map(summary)).toEqual(missed);
    // Then the live events, once each.
    await t.graphql(tenant.key, SET_FEEDBACK, { input: { stepId: third, tags: ['new'] } });
    expect(summary(await resumed.take())).toBe(`6 FEEDBACK ${third}`);
    expect(summary(await byHeader.take())).toBe(`6 FEEDBACK ${third}`);
    expect(await resumed.quiet(100)).toBe(true);
    await Promise.all([resumed.close(), byHeader.close()]);
  });

  it('resumes without a gap or a repeat while events keep coming', async () => {
    const tenant = await createTenant(t.db, 'Busy');
    const steps: string[] = [];
    for (let i = 0; i < 30; i++) steps.push(await insertStep(t.db, tenant.organizationId));
    await feed.readNow();
    // 30 events in the log; 40 more written while the subscriber reads the log from the start.
    const stream = await open(tenant.key, EVENTS, { after: '0' });
    const writing = (async () => {
      for (let i = 0; i < 40; i++) {
        await t.graphql(tenant.key, SET_FEEDBACK, { input: { stepId: steps[i % 30], tags: [`t${i}`] } });
      }
    })();
    const events = await stream.takeMany(70, 10_000);
    await writing;
    expect(events.map(({ result }) => Number(result.data.stepEvents.cursor))).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    expect(await stream.quiet(100)).toBe(true);
    await stream.close();
  });

  it('refuses a cursor that is not one, and one older than the events kept, with a code to act on', async () => {
    const tenant = await createTenant(t.db, 'Expired');
    for (let i = 0; i < 3; i++) await insertStep(t.db, tenant.organizationId);
    await feed.readNow();
    const codeOf = async (variables: Record<string, unknown>) => (await (await open(tenant.key, EVENTS, variables)).take()).result.errors[0].extensions;
    expect(await codeOf({ after: 'abc' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(await codeOf({ after: '4' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(await codeOf({ types: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'types' });
    const kept = await open(tenant.key, EVENTS, { after: '1' });
    expect((await kept.takeMany(2)).map(summary)).toEqual([expect.stringMatching(/^2 CREATED/), expect.stringMatching(/^3 CREATED/)]);
    await kept.close();
    await t.db.sql.query(`DELETE FROM gateway_step_events WHERE organization_id = $1 AND seq <= 2`, [tenant.organizationId]);
    expect(await codeOf({ after: '1' })).toMatchObject({ code: 'CURSOR_EXPIRED' });
    // The last event kept is a cursor to resume from.
    const resumed = await open(tenant.key, EVENTS, { after: '2' });
    expect((await resumed.take()).result.data.stepEvents.cursor).toBe('3');
    await resumed.close();
    // The feed reader deletes what is older than the retention window.
    await deleteEventsBefore(t.db.sql, 0);
    expect(await codeOf({ after: '2' })).toMatchObject({ code: 'CURSOR_EXPIRED' });
    // Nothing was missed after the last event: resuming there is resuming now.
    const current = await open(tenant.key, EVENTS, { after: '3' });
    expect(await current.quiet(100)).toBe(true);
    expect(current.events).toEqual([]);
    await current.close();
  });

  it("ends a revoked key's subscriptions", async () => {
    const tenant = await createTenant(t.db, 'Revoked');
    const other = await createTenantKey(t.db, tenant.organizationId, 'to revoke');
    const stream = await open(other.key);
    const kept = await open(tenant.key);
    await revokeKey(t.db.prisma, other.apiKeyId);
    const waited = await within(2000, async () => stream.events.length > 0);
    expect(waited).toBeLessThan(1000);
    expect(stream.events[0]!.result.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await stream.ended;
    expect(await kept.quiet(200)).toBe(true);
    await kept.close();
  });

  it('lets a feedback token subscribe to nothing', async () => {
    const tenant = await createTenant(t.db, 'Token');
    const step = await insertStep(t.db, tenant.organizationId);
    const made = await t.graphql(tenant.key, `mutation($stepId: ID!) { createFeedbackToken(input: { stepId: $stepId }) { token } }`, { stepId: step });
    const token = made.body.data.createFeedbackToken.token;
    const stream = await subscribe(t.gateway.fetch, URL, undefined, EVENTS, {}, { authorization: `Bearer ${token}` });
    expect((await stream.take()).result.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('closes the stream of a client that goes away', async () => {
    const tenant = await createTenant(t.db, 'Gone');
    const before = t.gateway.events.hub.size();
    const stream = await open(tenant.key);
    await within(1000, async () => t.gateway.events.hub.size() === before + 1);
    // Counted in /metrics while it is open.
    const metrics = await (await t.gateway.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toContain(`steps_gateway_subscriptions{kind="subscriptions"} ${before + 1}`);
    expect(metrics).toMatch(/steps_gateway_step_events_delivered_total \d+/);
    await stream.close();
    await within(1000, async () => t.gateway.events.hub.size() === before);
  });

  it('reads each delivery afresh in one statement per level, shared by the subscribers it reaches', async () => {
    const tenant = await createTenant(t.db, 'Shared');
    const streams = await Promise.all(Array.from({ length: 5 }, () => open(tenant.key)));
    const filtered = await Promise.all(Array.from({ length: 3 }, () => open(tenant.key, EVENTS, { filter: { status: 'SUCCESS' } })));
    const step = await insertStep(t.db, tenant.organizationId);
    const { statements } = await t.statements(async () => {
      await feed.readNow();
      for (const stream of [...streams, ...filtered]) expect(summary(await stream.take())).toBe(`1 CREATED ${step}`);
    });
    // The step, once for all eight subscribers; the filter, once for the three that share it.
    expect(statements.filter((sql) => /FROM steps t WHERE t\.id = ANY/.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /^SELECT s\.id FROM steps s WHERE s\.id = ANY/.test(sql))).toHaveLength(1);
    await Promise.all([...streams, ...filtered].map((stream) => stream.close()));
  });
});

describe('subscription limits', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await createTestGateway({
      database: t.database,
      events: { perKey: 2, buffer: 3, checkMs: 100 },
      security: { limits: { cost: 60, depth: 6 } },
    });
  });

  const openOn = (key: string, query = EVENTS, variables: Record<string, unknown> = {}) => subscribe(limited.gateway.fetch, URL, key, query, variables);

  it('holds a key to its number of subscriptions on the process', async () => {
    const tenant = await createTenant(t.db, 'Many');
    const [a, b] = [await openOn(tenant.key), await openOn(tenant.key)];
    const third = await openOn(tenant.key);
    expect((await third.take()).result.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 });
    await a.close();
    await within(1000, async () => limited.gateway.events.hub.size() < 2);
    const again = await openOn(tenant.key);
    expect(await again.quiet(100)).toBe(true);
    await Promise.all([b.close(), again.close()]);
  });

  it('holds subscriptions to the cost and depth limits of queries', async () => {
    const tenant = await createTenant(t.db, 'Costly');
    const costly = await openOn(tenant.key, `subscription { stepEvents { step { messages(first: 100) { nodes { id } } } } }`);
    expect((await costly.take()).result.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const deep = await openOn(tenant.key, `subscription { stepEvents { step { messages(first: 1) { nodes { step { trace { step { id } } } } } } } }`);
    expect((await deep.take()).result.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    expect(limited.gateway.events.hub.size()).toBe(0);
  });

  it('closes a subscription whose consumer falls too far behind, saying why', async () => {
    const tenant = await createTenant(t.db, 'Slow');
    const step = await insertStep(t.db, tenant.organizationId);
    // A client that does not read its stream: nothing past the first bytes is pulled from the gateway.
    const response = await limited.gateway.fetch(URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.key}` },
      body: JSON.stringify({ query: EVENTS }),
    });
    await within(1000, async () => limited.gateway.events.hub.size() === 1);
    for (let i = 0; i < 6; i++) {
      await limited.graphql(tenant.key, SET_FEEDBACK, { input: { stepId: step, tags: [`t${i}`] } });
      // Each its own event (writes recorded together would make one).
      await limited.gateway.events.recorded();
    }
    // Its place is freed at once, though its client has not read the error yet.
    expect(limited.gateway.events.hub.size()).toBe(0);
    const text = await response.text();
    const results = [...text.matchAll(/^data: (\{.*\})$/gm)].map((match) => JSON.parse(match[1]!));
    expect(results.at(-1).errors[0].extensions.code).toBe('SLOW_CONSUMER');
    expect(results.length).toBeLessThanOrEqual(4);
    expect(text.trimEnd().endsWith('event: complete\ndata:')).toBe(true);
  });

  it('ends every subscription with SERVICE_UNAVAILABLE when the process stops', async () => {
    const own = await createTestGateway({ database: t.database, events: { checkMs: 100 } });
    const tenant = await createTenant(t.db, 'Stopping');
    const stream = await subscribe(own.gateway.fetch, URL, tenant.key, EVENTS);
    await within(1000, async () => own.gateway.events.hub.size() === 1);
    await own.gateway.events.close();
    expect((await stream.take()).result.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    await stream.ended;
    await sleep(10);
    const after = await subscribe(own.gateway.fetch, URL, tenant.key, EVENTS);
    expect((await after.take()).result.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
  });
});
