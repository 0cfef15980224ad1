import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLogger } from '../src/logger.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { postGraphQL, serve } from './helpers/http.ts';
import { SET_FEEDBACK } from './helpers/feedback.ts';

let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

const setFeedback = (input: Record<string, unknown>, key = tenant.key) => postGraphQL(http.url, key, { query: SET_FEEDBACK, variables: { input } });
const auditLines = (stepId: string) => t.logLines.filter((line) => line.event === 'step.feedback' && line.stepId === stepId);

beforeAll(async () => {
  t = await createTestGateway({ security: { rateLimitPerMinute: 1000, authFailuresPerMinute: 1000 } });
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Audited');
  other = await createTenant(t.db, 'Other');
});
afterAll(async () => {
  await http.close();
  await t.close();
});

describe('the audit trail', () => {
  it('logs every applied feedback mutation: organization, key, step, the change and the result', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: ['old', 'stale'] });
    await setFeedback({ stepId, feedback: 'POSITIVE', tags: ['good'], removeTags: ['stale'] });
    await setFeedback({ stepId, feedback: null });
    const lines = auditLines(stepId);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'audit: step feedback',
      event: 'step.feedback',
      outcome: 'applied',
      requestId: expect.any(String),
      organizationId: tenant.organizationId,
      apiKeyId: tenant.apiKeyId,
      stepId,
      feedback: 'positive',
      addTags: ['good'],
      removeTags: ['stale'],
      result: { feedback: 'positive', tags: ['old', 'good'], updatedAt: expect.any(String) },
    });
    expect(lines[1]).toMatchObject({ outcome: 'applied', feedback: null, result: { feedback: null, tags: ['old', 'good'] } });
  });

  it('logs refused feedback mutations with their code, another organization\'s step included', async () => {
    const theirs = await insertStep(t.db, other.organizationId, { feedback: null, tags: [] });
    await setFeedback({ stepId: theirs, feedback: 'NEGATIVE' });
    const mine = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    await setFeedback({ stepId: mine });
    expect(auditLines(theirs)).toEqual([
      expect.objectContaining({ outcome: 'rejected', code: 'NOT_FOUND', organizationId: tenant.organizationId, apiKeyId: tenant.apiKeyId }),
    ]);
    expect(auditLines(mine)).toEqual([expect.objectContaining({ outcome: 'rejected', code: 'BAD_USER_INPUT' })]);
  });

  it('never writes a key or a token to the log', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
    const unknownKey = `sgw_${'Z'.repeat(43)}`;
    await setFeedback({ stepId, tags: ['x'] });
    await setFeedback({ stepId, tags: [tenant.key] }, tenant.key); // a client that pastes its key into a tag
    await setFeedback({ stepId, tags: ['y'] }, unknownKey);
    await postGraphQL(http.url, 'not-even-a-key-hunter2', { query: '{ steps { totalCount } }' });
    await postGraphQL(http.url, tenant.key, { query: `{ step(id: "${tenant.key}") { id } }` });
    const log = JSON.stringify(t.logLines);
    expect(t.logLines.length).toBeGreaterThan(3);
    for (const secret of [tenant.key, other.key, unknownKey, 'hunter2']) expect(log).not.toContain(secret);
    expect(log).toContain('sgw_[redacted]');
  });

  it('redacts keys, bearer tokens and connection strings in any log line', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    logger.info('x', {
      header: 'Bearer abc.def.ghi',
      key: `sgw_${'k'.repeat(43)}`,
      url: 'postgresql://gw:s3cret@db:5432/letta',
      redis: 'redis://:pw@cache:6379',
    });
    expect(lines[0]).not.toMatch(/abc\.def|kkkk|s3cret|:pw@/);
  });
});
