import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Database } from '../src/db/database.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { classifyDatabaseError, mayRetry } from '../src/db/failures.ts';
import { migrate } from '../src/db/migrate.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, send, serve, type HttpResult } from './helpers/http.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../scripts/lib/private-postgres.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep } from './helpers/time.ts';

// These tests stop, restart and break a Postgres cluster of their own; they run with the Postgres suite.
let cluster: PrivatePostgres;
let db: Database;
let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
const CONNECTION_TIMEOUT_MS = 1000;

beforeAll(async () => {
  if (!onPostgres) return;
  cluster = await startPrivatePostgres({ settings: { fsync: 'off' } });
  db = openPostgres({ url: cluster.url, poolMax: 10, connectionTimeoutMs: CONNECTION_TIMEOUT_MS, statementTimeoutMs: 5000 });
  await migrate(db.sql);
  t = await createTestGateway({ database: { db, url: cluster.url, drop: async () => {} }, security: { apiKeyCacheMs: 60_000 } });
  http = await serve(t.gateway);
  tenant = await createTenant(db, 'Outage');
}, 60_000);
afterAll(async () => {
  if (!onPostgres) return;
  await http?.close();
  await db?.close().catch(() => {});
  await cluster?.destroy();
});

const query = () => postGraphQL(http.url, tenant.key, { query: '{ steps(first: 5) { totalCount nodes { id tags } } }' });

interface Sent {
  kind: 'query' | 'mutation';
  startedAt: number;
  ms: number;
  response: HttpResult;
  tags?: string[];
}

describe.runIf(onPostgres)(`a database outage ${NEEDS_POSTGRES}`, () => {
  it(
    'fails requests fast with SERVICE_UNAVAILABLE, recovers within a second of Postgres coming back, and loses no write',
    async () => {
      // Writes spread over steps, so that none reaches the 200-tag cap.
      const stepIds = await Promise.all(Array.from({ length: 40 }, () => insertStep(db, tenant.organizationId, { tags: [] })));
      const sent: Sent[] = [];
      let running = true;
      let serial = 0;
      const worker = async () => {
        while (running) {
          const kind = serial % 2 === 0 ? 'query' : 'mutation';
          const n = serial++;
          // Two tags in one call: a half-applied write would leave one without the other.
          const tags = [`w${n}-a`, `w${n}-b`];
          const startedAt = performance.now();
          const response =
            kind === 'query'
              ? await query()
              : await postGraphQL(http.url, tenant.key, {
                  query: 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id } } }',
                  variables: { input: { stepId: stepIds[n % stepIds.length], tags } },
                });
          sent.push({ kind, startedAt, ms: performance.now() - startedAt, response, ...(kind === 'mutation' ? { tags } : {}) });
          await sleep(5);
        }
      };
      const workers = Array.from({ length: 4 }, worker);

      const phases = [];
      for (const mode of ['fast', 'immediate'] as const) {
        await sleep(500);
        await cluster.stop(mode);
        const downAt = performance.now();
        await sleep(300);
        const readyz = (await send(`${http.base}/readyz`)).status;
        const healthz = (await send(`${http.base}/healthz`)).status;
        await sleep(700);
        await cluster.start();
        const upAt = performance.now();
        await sleep(1500);
        const during = sent.filter((s) => s.startedAt >= downAt && s.startedAt < upAt);
        const after = sent.filter((s) => s.startedAt >= upAt);
        const failures = (list: Sent[]) => list.filter((s) => s.response.status !== 200 || s.response.json?.errors !== undefined);
        const firstSuccess = after.find((s) => !failures([s]).length);
        const lastFailure = failures(after).at(-1);
        phases.push({
          mode,
          readyz,
          healthz,
          requestsWhileDown: during.length,
          failedWhileDown: failures(during).length,
          slowestFailureMs: Math.round(Math.max(0, ...failures(sent).map((s) => s.ms))),
          firstSuccessAfterUpMs: firstSuccess === undefined ? Infinity : Math.round(firstSuccess.startedAt + firstSuccess.ms - upAt),
          lastFailureAfterUpMs: lastFailure === undefined ? 0 : Math.round(lastFailure.startedAt - upAt),
        });
      }
      running = false;
      await Promise.all(workers);
      const failed = sent.filter((s) => s.response.status !== 200 || s.response.json?.errors !== undefined);
      console.log(JSON.stringify({ requests: sent.length, failed: failed.length, phases }));

      for (const phase of phases) {
        expect(phase.readyz).toBe(503);
        expect(phase.healthz).toBe(200);
        expect(phase.failedWhileDown).toBeGreaterThan(0);
        // Fast: no failure waited longer than the connection timeout (plus the one retry of a read).
        expect(phase.slowestFailureMs).toBeLessThan(2 * CONNECTION_TIMEOUT_MS + 500);
        // The target is under one second; the first success after the restart shows it.
        expect(phase.firstSuccessAfterUpMs).toBeLessThan(1000);
      }
      // Every failure is the masked, retryable kind, with 503 and Retry-After.
      for (const failure of failed) {
        expect(failure.response.status, failure.response.text).toBe(503);
        expect(failure.response.headers.get('retry-after')).toBe('1');
        expect(new Set(codesOf(failure.response))).toEqual(new Set(['SERVICE_UNAVAILABLE']));
        expect(failure.response.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres|prisma|terminat/i);
      }

      // No write lost, none half-applied.
      const rows = await db.sql.query<{ tags: string[] }>('SELECT tags FROM steps WHERE id = ANY($1)', [stepIds]);
      const stored = new Set(rows.flatMap((row) => row.tags));
      const mutations = sent.filter((s) => s.kind === 'mutation');
      const succeeded = mutations.filter((s) => s.response.status === 200 && s.response.json?.errors === undefined);
      for (const s of succeeded) for (const tag of s.tags!) expect(stored.has(tag), tag).toBe(true);
      const halfApplied = mutations.filter((s) => stored.has(s.tags![0]!) !== stored.has(s.tags![1]!));
      expect(halfApplied).toEqual([]);
      const appliedDespiteFailure = mutations.filter((s) => !succeeded.includes(s) && stored.has(s.tags![0]!)).length;
      console.log(JSON.stringify({ mutations: mutations.length, mutationsFailed: mutations.length - succeeded.length, appliedDespiteFailure }));
      for (const row of rows) expect(row.tags.length).toBe(new Set(row.tags).size);
      expect((await send(`${http.base}/readyz`)).status).toBe(200);
    },
    60_000,
  );

  it('sends a read once more when its connection is terminated, but not a write', async () => {
    const stepId = await insertStep(db, tenant.organizationId, { feedback: null, tags: [] });
    await query(); // warm the key cache
    const retries: unknown[] = [];
    const stopListening = db.onRetry((error) => retries.push(error));
    const locker = new pg.Client({ connectionString: cluster.url });
    // Another session watches: pg_stat_activity is read once per transaction, and the locker is in one.
    const watcher = new pg.Client({ connectionString: cluster.url });
    await Promise.all([locker.connect(), watcher.connect()]);
    // Ends whichever session waits on a lock: the gateway's statement (the only one that can).
    const terminateWaiting = async () => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await watcher.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (rows.length > 0) return;
        await sleep(10);
      }
      throw new Error('the statement never waited');
    };
    try {
      // A read waiting on a lock loses its connection: it is sent again, on a fresh one, and answers.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
      const read = query();
      await terminateWaiting();
      await locker.query('COMMIT');
      const answered = await read;
      expect(answered.status).toBe(200);
      expect(answered.json.errors).toBeUndefined();
      expect(retries).toHaveLength(1);
      expect(classifyDatabaseError(retries[0])).toBe('unavailable');

      // A write that loses its connection may have been applied: it is not sent again.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM steps WHERE id = $1 FOR UPDATE', [stepId]);
      const write = postGraphQL(http.url, tenant.key, {
        query: `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE }) { step { id } } }`,
      });
      await terminateWaiting();
      await locker.query('COMMIT');
      const refused = await write;
      expect(refused.status).toBe(503);
      expect(codesOf(refused)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(retries).toHaveLength(1);
      await sleep(100);
      const [row] = await db.sql.query<{ feedback: string | null }>('SELECT feedback FROM steps WHERE id = $1', [stepId]);
      expect(row!.feedback).toBeNull();
    } finally {
      stopListening();
      await Promise.all([locker.end(), watcher.end()]);
    }
  });

  it('recognizes the failures Postgres and the driver really raise', async () => {
    const failures: Record<string, unknown> = {};
    const capture = async (name: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        failures[name] = error;
      }
    };
    // A lost serialization conflict (40001), from two SERIALIZABLE transactions.
    const a = new pg.Client({ connectionString: cluster.url });
    const b = new pg.Client({ connectionString: cluster.url });
    await Promise.all([a.connect(), b.connect()]);
    const stepId = await insertStep(db, tenant.organizationId, { tags: [] });
    for (const client of [a, b]) {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await client.query('SELECT count(*) FROM steps');
    }
    await a.query(`UPDATE steps SET feedback = 'positive' WHERE id = $1`, [stepId]);
    await a.query('COMMIT');
    await capture('serialization', () => b.query(`UPDATE steps SET feedback = 'negative' WHERE id = $1`, [stepId]));
    await b.query('ROLLBACK');
    // A statement timeout (57014).
    await a.query('SET statement_timeout = 50');
    await capture('statementTimeout', () => a.query('SELECT pg_sleep(1)'));
    // Terminated by an administrator (57P01), through Prisma.
    // Prisma sends a statement only once it is awaited.
    const sleeper = db.prisma.$executeRaw`SELECT pg_sleep(4)`.then(
      () => undefined,
      (error: unknown) => error,
    );
    for (let i = 0; i < 200; i++) {
      const { rows } = await b.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid()`,
      );
      if (rows.length > 0) break;
      await sleep(10);
    }
    failures.terminated = await sleeper;
    await Promise.all([a.end(), b.end()]);
    // Refused while down, through Prisma.
    await cluster.stop('fast');
    await capture('refused', () => db.prisma.step.count());
    await cluster.start();

    expect(Object.keys(failures).sort()).toEqual(['refused', 'serialization', 'statementTimeout', 'terminated']);
    expect(classifyDatabaseError(failures.serialization)).toBe('conflict');
    expect(classifyDatabaseError(failures.statementTimeout)).toBe('timeout');
    expect(classifyDatabaseError(failures.terminated)).toBe('unavailable');
    expect(classifyDatabaseError(failures.refused)).toBe('unavailable');
    expect(mayRetry(failures.terminated, 'read')).toBe(true);
    expect(mayRetry(failures.terminated, 'write')).toBe(false);
    expect(mayRetry(failures.refused, 'write')).toBe(true);
    expect(mayRetry(failures.serialization, 'write')).toBe(true);
    expect(mayRetry(failures.statementTimeout, 'read')).toBe(false);
    expect(classifyDatabaseError(new Error('syntax error at or near "SELEC"'))).toBeUndefined();
  });
});
