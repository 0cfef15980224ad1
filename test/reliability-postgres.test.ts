import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKey } from '../src/auth/api-keys.ts';
import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, serve } from './helpers/http.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep, within } from './helpers/time.ts';

// Timeouts, cancellation and concurrency need a real Postgres: these run with the Postgres suite.
let database: TestDatabase;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let watcher: pg.Client;
const opened: Database[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  tenant = await createTenant(database.db, 'Reliability');
  watcher = new pg.Client({ connectionString: database.url });
  await watcher.connect();
});
afterAll(async () => {
  if (!onPostgres) return;
  for (const close of closers) await close();
  for (const db of opened) await db.close().catch(() => {});
  await watcher.end();
  await database.drop();
});

/** A gateway with its own pool and timeouts over the test database, served over HTTP. */
async function gateway(options: { statementTimeoutMs?: number; requestTimeoutMs?: number; poolMax?: number }) {
  const db = openPostgres({
    url: database.url!,
    poolMax: options.poolMax ?? 5,
    connectionTimeoutMs: 2000,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
  });
  opened.push(db);
  const t = await createTestGateway({
    database: { db, url: database.url, drop: async () => {} },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const http = await serve(t.gateway);
  closers.push(http.close);
  return { db, http, post: (query: string, init: RequestInit = {}) => postGraphQL(http.url, tenant.key, { query }, {}, init) };
}

/** The gateway's statements that are waiting on a lock right now. */
async function waiting(): Promise<number> {
  const { rows } = await watcher.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'steps-gateway'`,
  );
  return rows[0].n;
}

/** Holds a lock from another session until released. */
async function lock(sql: string, params: unknown[] = []) {
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query(sql, params);
  return {
    async release() {
      await locker.query('COMMIT');
      await locker.end();
    },
  };
}

const LIST = '{ steps(first: 5) { totalCount nodes { id } } }';

describe.runIf(onPostgres)(`slow statements ${NEEDS_POSTGRES}`, () => {
  it('cancels a statement at the statement timeout and answers TIMEOUT', async () => {
    const { post } = await gateway({ statementTimeoutMs: 300 });
    await post(LIST);
    const held = await lock('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
    try {
      const started = performance.now();
      const response = await post(LIST);
      const ms = performance.now() - started;
      expect(response.status).toBe(504);
      expect(codesOf(response)).toEqual(['TIMEOUT']);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(await waiting()).toBe(0);
    } finally {
      await held.release();
    }
  });

  it('answers TIMEOUT when the request deadline passes, and cancels the statements still running on Postgres', async () => {
    const { post } = await gateway({ requestTimeoutMs: 400 });
    await post(LIST);
    const held = await lock('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
    try {
      const response = await post(LIST);
      expect(response.status).toBe(504);
      expect(response.json).toEqual({ errors: [{ message: 'The request took longer than 400 ms and was stopped.', extensions: { code: 'TIMEOUT' } }] });
      // Cancelled on the server, not left waiting for the lock.
      const cancelledInMs = await within(2000, async () => (await waiting()) === 0);
      console.log(JSON.stringify({ cancelledAfterDeadlineMs: Math.round(cancelledInMs) }));
    } finally {
      await held.release();
    }
  });

  it('cancels a write that waits on a row lock, so that it does not apply later', async () => {
    const stepId = await insertStep(database.db, tenant.organizationId, { feedback: null, tags: [] });
    const { post } = await gateway({ requestTimeoutMs: 400 });
    const held = await lock('SELECT 1 FROM steps WHERE id = $1 FOR UPDATE', [stepId]);
    try {
      const response = await post(`mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE, tags: ["late"] }) { step { id } } }`);
      expect(response.status).toBe(504);
      await within(2000, async () => (await waiting()) === 0);
    } finally {
      await held.release();
    }
    await sleep(200);
    const [row] = await database.db.sql.query('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
    expect(row).toEqual({ feedback: null, tags: [] });
  });

  it('cancels the statements of a client that goes away', async () => {
    const { post } = await gateway({ requestTimeoutMs: 10_000 });
    await post(LIST);
    const held = await lock('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
    try {
      const controller = new AbortController();
      const abandoned = post(LIST, { signal: controller.signal }).catch((error: unknown) => error);
      await within(2000, async () => (await waiting()) === 1);
      controller.abort();
      expect(await abandoned).toBeInstanceOf(Error);
      await within(2000, async () => (await waiting()) === 0);
    } finally {
      await held.release();
    }
  });

  it('does not start a statement for a request that ran out of time waiting for a connection', async () => {
    const stepId = await insertStep(database.db, tenant.organizationId, { feedback: null, tags: [] });
    const { db, post } = await gateway({ requestTimeoutMs: 300, poolMax: 1 });
    await post(LIST);
    // The pool's only connection is busy for longer than the request's deadline.
    const busy = db.sql.transaction(() => sleep(800));
    await sleep(20);
    const write = await post(`mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: NEGATIVE }) { step { id } } }`);
    expect(write.status).toBe(504);
    await busy;
    await sleep(200);
    const [row] = await database.db.sql.query('SELECT feedback FROM steps WHERE id = $1', [stepId]);
    expect(row).toEqual({ feedback: null });
  });
});

describe.runIf(onPostgres)(`Idempotency-Key under failure and concurrency ${NEEDS_POSTGRES}`, () => {
  const mutation = (stepId: string, tag: string) =>
    `mutation { setStepFeedback(input: { stepId: "${stepId}", tags: ["${tag}"] }) { step { id tags } } }`;

  it('releases the key of a read that timed out at once, and that of a write once the write is surely over', async () => {
    const stepId = await insertStep(database.db, tenant.organizationId, { feedback: null, tags: [] });
    // A deadline long enough that the early retry below surely comes before twice the deadline has passed.
    const { http } = await gateway({ requestTimeoutMs: 1000 });
    let startedAt = 0;
    const read = { 'idempotency-key': `read-${stepId}` };
    const write = { 'idempotency-key': `write-${stepId}` };
    const held = await lock('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
    try {
      expect((await postGraphQL(http.url, tenant.key, { query: LIST }, read)).status).toBe(504);
      startedAt = performance.now();
      expect((await postGraphQL(http.url, tenant.key, { query: mutation(stepId, 'retried') }, write)).status).toBe(504);
      await within(2000, async () => (await waiting()) === 0);
    } finally {
      await held.release();
    }
    // A query's key is not claimed: its retry runs at once.
    expect((await postGraphQL(http.url, tenant.key, { query: LIST }, read)).status).toBe(200);
    // The write may have: its retry waits until the first cannot be running any more (twice the deadline).
    const early = await postGraphQL(http.url, tenant.key, { query: mutation(stepId, 'retried') }, write);
    expect(performance.now() - startedAt).toBeLessThan(2000);
    expect(early.status).toBe(409);
    expect(codesOf(early)).toEqual(['IDEMPOTENCY_KEY_IN_USE']);
    await sleep(Math.max(0, 2200 - (performance.now() - startedAt)));
    const retry = await postGraphQL(http.url, tenant.key, { query: mutation(stepId, 'retried') }, write);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.json.data.setStepFeedback.step.tags).toEqual(['retried']);
  });

  it('runs one of many concurrent requests with the same key; the others wait their turn or get its response', async () => {
    const stepId = await insertStep(database.db, tenant.organizationId, { feedback: null, tags: [] });
    const { http } = await gateway({ poolMax: 10 });
    const headers = { 'idempotency-key': `burst-${stepId}` };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postGraphQL(http.url, tenant.key, { query: mutation(stepId, 'burst') }, headers)),
    );
    const ran = responses.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null);
    expect(ran).toHaveLength(1);
    for (const response of responses) {
      if (response.status === 200) expect(response.json).toEqual(ran[0]!.json);
      else expect(codesOf(response)).toEqual(['IDEMPOTENCY_KEY_IN_USE']);
    }
  });
});

describe.runIf(onPostgres)(`concurrent writes ${NEEDS_POSTGRES}`, () => {
  it('200 concurrent feedback mutations from several keys on a few steps end in the set union, with no duplicates', async () => {
    const { http } = await gateway({ poolMax: 20 });
    const keys = [tenant.key, ...(await Promise.all([1, 2, 3].map((i) => createKey(database.db.prisma, tenant.organizationId, { name: `writer ${i}` })))).map((k) => k.key)];
    const stepIds = await Promise.all([1, 2, 3].map(() => insertStep(database.db, tenant.organizationId, { feedback: null, tags: ['existing'] })));
    const expected = new Map(stepIds.map((id) => [id, new Set(['existing', 'shared'])]));
    const feedbackSent = new Map(stepIds.map((id) => [id, new Set<string>()]));
    const calls = Array.from({ length: 200 }, (_, i) => {
      const stepId = stepIds[i % stepIds.length]!;
      const feedback = i % 3 === 0 ? 'NEGATIVE' : 'POSITIVE';
      const tags = [`t${i}`, 'shared'];
      expected.get(stepId)!.add(`t${i}`);
      feedbackSent.get(stepId)!.add(feedback.toLowerCase());
      return postGraphQL(http.url, keys[i % keys.length], {
        query: 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id } } }',
        variables: { input: { stepId, feedback, tags } },
      });
    });
    const responses = await Promise.all(calls);
    expect(responses.filter((response) => response.status !== 200 || response.json.errors !== undefined)).toEqual([]);
    for (const stepId of stepIds) {
      const [row] = await database.db.sql.query<{ feedback: string; tags: string[] }>('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
      expect(row!.tags.length).toBe(new Set(row!.tags).size);
      expect(new Set(row!.tags)).toEqual(expected.get(stepId));
      expect(feedbackSent.get(stepId)!.has(row!.feedback)).toBe(true);
    }
  });
});
