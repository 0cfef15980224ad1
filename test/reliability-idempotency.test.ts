import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { SET_FEEDBACK, storedFeedback } from './helpers/feedback.ts';
import { codesOf, postGraphQL, serve } from './helpers/http.ts';

let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestGateway();
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Idempotent');
  other = await createTenant(t.db, 'Other');
});
afterAll(async () => {
  await http.close();
  await t.close();
});

const setFeedback = (input: Record<string, unknown>, headers: Record<string, string> = {}, key = tenant.key) =>
  postGraphQL(http.url, key, { query: SET_FEEDBACK, variables: { input } }, headers);
const stored = (stepId: string) => storedFeedback(t.db, stepId);
const applied = (stepId: string) => t.logLines.filter((line) => line.event === 'step.feedback' && line.stepId === stepId && line.outcome === 'applied').length;

describe('retried mutations', () => {
  it('give the same result as one call, without an Idempotency-Key', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: ['a'] });
    const input = { stepId, feedback: 'POSITIVE', tags: ['b', 'c'], removeTags: ['a'] };
    const first = await setFeedback(input);
    const after = await stored(stepId);
    const second = await setFeedback(input);
    expect(second.json).toEqual(first.json);
    expect(await stored(stepId)).toEqual(after);
    expect(after).toMatchObject({ feedback: 'positive', tags: ['b', 'c'] });
  });
});

describe('Idempotency-Key', () => {
  it('returns the stored response of the first request to a retry, without running it again', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const headers = { 'idempotency-key': `retry-${stepId}` };
    const first = await setFeedback({ stepId, feedback: 'NEGATIVE', tags: ['once'] }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Someone else changes the step in between: a replay shows the first response, and changes nothing.
    await setFeedback({ stepId, feedback: 'POSITIVE' });
    const replay = await setFeedback({ stepId, feedback: 'NEGATIVE', tags: ['once'] }, headers);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect((await stored(stepId)).feedback).toBe('positive');
    expect(applied(stepId)).toBe(2);
  });

  it('refuses the same key with another request, and runs nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const headers = { 'idempotency-key': `reuse-${stepId}` };
    await setFeedback({ stepId, tags: ['first'] }, headers);
    const before = await stored(stepId);
    const reused = await setFeedback({ stepId, tags: ['second'] }, headers);
    expect(reused.status).toBe(422);
    expect(codesOf(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await stored(stepId)).toEqual(before);
  });

  it('keeps keys apart per organization', async () => {
    const mine = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const theirs = await insertStep(t.db, other.organizationId, { feedback: null, tags: [] });
    const headers = { 'idempotency-key': 'shared-key-name' };
    expect((await setFeedback({ stepId: mine, tags: ['x'] }, headers)).status).toBe(200);
    const otherResponse = await setFeedback({ stepId: theirs, tags: ['x'] }, headers, other.key);
    expect(otherResponse.status).toBe(200);
    expect(otherResponse.headers.get('idempotent-replayed')).toBeNull();
    expect((await stored(theirs)).tags).toEqual(['x']);
  });

  it('refuses a retry while the first request still runs', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    await t.db.sql.query(
      `INSERT INTO gateway_idempotency_keys (organization_id, key, request_hash, expires_at) VALUES ($1, 'running', 'x', now() + interval '1 hour')`,
      [tenant.organizationId],
    );
    const body = { stepId, tags: ['y'] };
    const busy = await setFeedback(body, { 'idempotency-key': 'running' });
    // The hash differs from the placeholder's: refused either way, and nothing runs.
    expect([409, 422]).toContain(busy.status);
    expect((await stored(stepId)).tags).toEqual([]);
  });

  it('takes over a key left pending by a process that died', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    await t.db.sql.query(
      `INSERT INTO gateway_idempotency_keys (organization_id, key, request_hash, created_at, expires_at)
       VALUES ($1, 'orphan', 'x', now() - interval '10 minutes', now() + interval '1 hour')`,
      [tenant.organizationId],
    );
    const response = await setFeedback({ stepId, tags: ['z'] }, { 'idempotency-key': 'orphan' });
    expect(response.status).toBe(200);
    expect((await stored(stepId)).tags).toEqual(['z']);
  });

  it('sweeps expired keys away', async () => {
    await t.db.sql.query(
      `INSERT INTO gateway_idempotency_keys (organization_id, key, request_hash, state, expires_at)
       VALUES ($1, 'expired-long-ago', 'x', 'done', now() - interval '1 hour')`,
      [other.organizationId],
    );
    // A fresh gateway sweeps on its first claim.
    const fresh = await createTestGateway({ database: t.database });
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const response = await fresh.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'idempotency-key': `sweep-${stepId}` },
      body: JSON.stringify({ query: SET_FEEDBACK, variables: { input: { stepId, tags: ['s'] } } }),
    });
    expect(response.status).toBe(200);
    let left: unknown[] = [{}];
    for (let i = 0; i < 50 && left.length > 0; i++) {
      left = await t.db.sql.query(`SELECT 1 FROM gateway_idempotency_keys WHERE key = 'expired-long-ago'`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(left).toEqual([]);
  });

  it('applies to mutations only: a query with a key runs as usual each time, and nothing is stored for it', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const key = { 'idempotency-key': `query-${stepId}` };
    const READ = { query: 'query($id: ID!) { step(id: $id) { feedback tags } }', variables: { id: stepId } };
    const before = await postGraphQL(http.url, tenant.key, READ, key);
    expect(before.json.data.step).toEqual({ feedback: null, tags: [] });
    await setFeedback({ stepId, feedback: 'POSITIVE', tags: ['seen'] });
    const after = await postGraphQL(http.url, tenant.key, READ, key);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(after.json.data.step).toEqual({ feedback: 'POSITIVE', tags: ['seen'] });
    expect(await t.db.sql.query(`SELECT 1 FROM gateway_idempotency_keys WHERE key = $1`, [key['idempotency-key']])).toEqual([]);
    // The same key may then serve a mutation, which it guards as usual.
    const first = await setFeedback({ stepId, tags: ['later'] }, key);
    const replay = await setFeedback({ stepId, tags: ['later'] }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
  });

  it('picks the operation a request runs: a query of a document that also holds a mutation is not stored', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const document = `query Read($id: ID!) { step(id: $id) { tags } } mutation Write($id: ID!) { setStepFeedback(input: { stepId: $id, tags: ["w"] }) { step { tags } } }`;
    const key = { 'idempotency-key': `document-${stepId}` };
    const read = await postGraphQL(http.url, tenant.key, { query: document, operationName: 'Read', variables: { id: stepId } }, key);
    expect(read.json.data.step.tags).toEqual([]);
    const write = await postGraphQL(http.url, tenant.key, { query: document, operationName: 'Write', variables: { id: stepId } }, key);
    expect(write.json.data.setStepFeedback.step.tags).toEqual(['w']);
    const replay = await postGraphQL(http.url, tenant.key, { query: document, operationName: 'Write', variables: { id: stepId } }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses a malformed key', async () => {
    const response = await setFeedback({ stepId: 'step-x', tags: ['z'] }, { 'idempotency-key': 'has spaces in it' });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_REQUEST']);
  });
});
