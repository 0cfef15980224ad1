
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';
import { createTenant } from './helpers/factories.ts';
import { postGraphQL, send } from './helpers/http.ts';
import { startGateway } from './helpers/process.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { sleep } from './helpers/time.ts';

// Slow requests are made by holding a lock from another session: this needs Postgres.
let database: TestDatabase;
let key: string;

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  key = (await createTenant(database.db, 'Shutdown')).key;
});
afterAll(async () => {
  if (onPostgres) await database.drop();
});

/** `npm start` as a process over the test database. */
const start = (env: Record<string, string> = {}) =>
  startGateway({ ...process.env, DATABASE_URL: database.url!, MIGRATE_ON_START: 'false', ...env });

async function lockSteps() {
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE steps IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await locker.query('COMMIT').catch(() => {});
    await locker.end();
  };
}

const LIST = '{ steps(first: 5) { totalCount } }';

describe.runIf(onPostgres)(`shutdown ${NEEDS_POSTGRES}`, { timeout: 120_000 }, () => {
  it('on SIGTERM, reports draining at once, refuses new requests, lets slow requests finish, and exits 0', async () => {
    const gateway = await start({ SHUTDOWN_GRACE_MS: '10000' });
    const release = await lockSteps();
    try {
      const slow = [1, 2, 3].map(() => postGraphQL(gateway.url, key, { query: LIST }));
      await sleep(300);
      gateway.child.kill('SIGTERM');
      await sleep(100);
      const readyz = await send(`${gateway.base}/readyz`);
      expect(readyz.status).toBe(503);
      expect(readyz.json).toEqual({ status: 'draining' });
      expect((await send(`${gateway.base}/healthz`)).status).toBe(200);
      const refused = await postGraphQL(gateway.url, key, { query: LIST });
      expect(refused.status).toBe(503);
      expect(refused.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      await sleep(300);
      await release();
      for (const response of await Promise.all(slow)) expect(response.json).toEqual({ data: { steps: { totalCount: 0 } } });
      expect(await gateway.exited).toBe(0);
      expect(gateway.stdout()).toMatch(/"msg":"stopped".*"cutOff":false/);
    } finally {
      gateway.child.kill('SIGKILL');
      await release().catch(() => {});
    }
  });

  it('cuts off what is still running when the grace period ends, and exits 1', async () => {
    const gateway = await start({ SHUTDOWN_GRACE_MS: '500' });
    const release = await lockSteps();
    try {
      const slow = postGraphQL(gateway.url, key, { query: LIST }).then(
        () => 'answered',
        () => 'cut off',
      );
      await sleep(300);
      const signalledAt = performance.now();
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(1);
      const ms = performance.now() - signalledAt;
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(await slow).toBe('cut off');
    } finally {
      gateway.child.kill('SIGKILL');
      await release();
    }
  });

  it('exits 0 at once on SIGTERM when idle', async () => {
    const gateway = await start();
    expect((await postGraphQL(gateway.url, key, { query: LIST })).status).toBe(200);
    const signalledAt = performance.now();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    console.log(JSON.stringify({ idleShutdownMs: Math.round(performance.now() - signalledAt) }));
  });
});
