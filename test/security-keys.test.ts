import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKey, revokeKey } from '../src/auth/api-keys.ts';
import { DEFAULT_SECURITY } from '../src/config.ts';
import type { GatewayOptions } from '../src/server.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, serve } from './helpers/http.ts';
import { connectTestRedis } from './helpers/redis.ts';
import { NEEDS_REDIS } from './helpers/requirements.ts';
import { within } from './helpers/time.ts';

let database: TestDatabase;
let tenant: Awaited<ReturnType<typeof createTenant>>;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  tenant = await createTenant(database.db, 'Keys');
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await database.drop();
});

/** A gateway replica over the shared test database, served over HTTP. */
async function replica(security: GatewayOptions['security'], redis?: Redis) {
  const t = await createTestGateway({ database, security, redis });
  const http = await serve(t.gateway);
  closers.push(http.close);
  return { t, http, post: (key: string | undefined, query: string, headers: Record<string, string> = {}) => postGraphQL(http.url, key, { query }, headers) };
}

const COUNT = '{ steps { totalCount } }';
describe('rate limits per API key', () => {
  it('answers past the limit with 429 RATE_LIMITED and Retry-After, counts each key apart, and runs nothing', async () => {
    const { t, post } = await replica({ rateLimitPerMinute: 5 });
    const other = await createTenant(database.db, 'Other');
    const stepId = await insertStep(database.db, tenant.organizationId, { feedback: null, tags: [] });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await post(tenant.key, COUNT);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(response.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const { result: refused, statements } = await t.statements(() =>
      post(tenant.key, `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE }) { step { id } } }`),
    );
    expect(refused.status).toBe(429);
    expect(codesOf(refused)).toEqual(['RATE_LIMITED']);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json.errors[0].message).toContain(`Retry after ${retryAfter} seconds`);
    // Only the key was looked up; the mutation did not run.
    expect(statements.every((statement) => statement.includes('gateway_api_keys'))).toBe(true);
    const [row] = await database.db.sql.query<{ feedback: string | null }>('SELECT feedback FROM steps WHERE id = $1', [stepId]);
    expect(row!.feedback).toBeNull();

    expect((await post(other.key, COUNT)).status).toBe(200);
  });

  it('shares the count between replicas through Redis', async (context) => {
    const redis = await connectTestRedis();
    if (redis === undefined) return context.skip(NEEDS_REDIS.slice(1, -1));
    closers.push(async () => redis.disconnect());
    const key = await createTenant(database.db, 'Shared');
    const a = await replica({ rateLimitPerMinute: 6 }, redis);
    const b = await replica({ rateLimitPerMinute: 6 }, redis);
    for (let i = 0; i < 3; i++) {
      expect((await a.post(key.key, COUNT)).status).toBe(200);
      expect((await b.post(key.key, COUNT)).status).toBe(200);
    }
    expect((await a.post(key.key, COUNT)).status).toBe(429);
    expect((await b.post(key.key, COUNT)).status).toBe(429);
  });

  it('keeps limiting in each process while Redis does not answer', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    unreachable.on('error', () => {});
    closers.push(async () => unreachable.disconnect());
    const key = await createTenant(database.db, 'No Redis');
    const { post } = await replica({ rateLimitPerMinute: 2 }, unreachable);
    expect((await post(key.key, COUNT)).status).toBe(200);
    expect((await post(key.key, COUNT)).status).toBe(200);
    expect((await post(key.key, COUNT)).status).toBe(429);
  });
});

describe('key lifetime', () => {
  it('stops a revoked key within a second on every replica, with keys cached as in production', async () => {
    const key = await createTenant(database.db, 'Revoked');
    const cached = { apiKeyCacheMs: DEFAULT_SECURITY.apiKeyCacheMs };
    const replicas = [await replica(cached), await replica(cached)];
    for (const r of replicas) expect((await r.post(key.key, COUNT)).status).toBe(200);
    await revokeKey(database.db.prisma, key.apiKeyId);
    const delays = await Promise.all(replicas.map((r) => within(1000, async () => (await r.post(key.key, COUNT)).status === 401)));
    console.log(JSON.stringify({ revocationDelayMs: delays.map(Math.round) }));
    for (const r of replicas) expect((await r.post(key.key, COUNT)).status).toBe(401);
  });

  it('refuses an expired key, and a key from the moment it expires', async () => {
    const expired = await createKey(database.db.prisma, tenant.organizationId, { name: 'expired', expiresAt: new Date(Date.now() - 1000) });
    const expiring = await createKey(database.db.prisma, tenant.organizationId, { name: 'expiring', expiresAt: new Date(Date.now() + 1500) });
    const { post } = await replica({ apiKeyCacheMs: 60_000 });
    const refused = await post(expired.key, COUNT);
    expect(refused.status).toBe(401);
    expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);
    expect((await post(expiring.key, COUNT)).status).toBe(200);
    // Even a long cache never trusts a key past its expiry.
    await within(2500, async () => (await post(expiring.key, COUNT)).status === 401);
    expect(expiring.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('failed authentication', () => {
  it('refuses what fails from an address that keeps failing, for the rest of the minute, and never a valid key', async () => {
    const { t, post } = await replica({ authFailuresPerMinute: 3, apiKeyCacheMs: 0 });
    for (let i = 0; i < 25; i++) {
      const response = await post(`sgw_${'x'.repeat(42)}${i % 10}`, COUNT);
      expect(response.status).toBe(i < 3 ? 401 : 429);
    }
    // A missing or malformed key from the refused address is not even looked up.
    for (const key of [undefined, 'not-a-key']) {
      const { result: blocked, statements } = await t.statements(() => post(key, COUNT));
      expect(blocked.status).toBe(429);
      expect(codesOf(blocked)).toEqual(['RATE_LIMITED']);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(statements).toEqual([]);
    }
    // Another client behind the same address (a NAT, a proxy), with a valid key it never used before, gets in.
    const neighbour = await createTenant(database.db, 'Neighbour');
    expect((await post(neighbour.key, COUNT)).status).toBe(200);
    expect((await post(tenant.key, COUNT)).status).toBe(200);
    expect((await post(`sgw_${'z'.repeat(43)}`, COUNT)).status).toBe(429);
  });

  it('counts addresses from X-Forwarded-For only as far as the configured proxies reach', async () => {
    const { post } = await replica({ authFailuresPerMinute: 2, trustProxyHops: 1 });
    const bad = `sgw_${'y'.repeat(43)}`;
    // The client may write anything before the proxy's entry; only the proxy's own entry counts.
    for (const spoofed of ['1.1.1.1', '2.2.2.2']) {
      expect((await post(bad, COUNT, { 'x-forwarded-for': `${spoofed}, 203.0.113.7` })).status).toBe(401);
    }
    expect((await post(bad, COUNT, { 'x-forwarded-for': '3.3.3.3, 203.0.113.7' })).status).toBe(429);
    expect((await post(bad, COUNT, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(401);
    expect((await post(tenant.key, COUNT, { 'x-forwarded-for': '3.3.3.3, 203.0.113.7' })).status).toBe(200);
  });
});
