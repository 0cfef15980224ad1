import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onPostgres } from './helpers/database.ts';
import { createTenant, insertStep, newId } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { SET_FEEDBACK, storedFeedback } from './helpers/feedback.ts';
import { codesOf } from './helpers/http.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;

const setFeedback = (input: Record<string, unknown>, key = tenant.key) => t.graphql(key, SET_FEEDBACK, { input });
const stored = (stepId: string) => storedFeedback(t.db, stepId);

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
});
afterAll(() => t.close());

describe('setStepFeedback', () => {
  it('sets feedback, leaves it when omitted and clears it with an explicit null', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: ['keep'] });

    const set = await setFeedback({ stepId, feedback: 'POSITIVE' });
    expect(set.body).toEqual({ data: { setStepFeedback: { step: { id: stepId, feedback: 'POSITIVE', tags: ['keep'], updatedAt: expect.any(String) } } } });
    expect((await stored(stepId)).feedback).toBe('positive');

    const tagsOnly = await setFeedback({ stepId, tags: ['new'] });
    expect(tagsOnly.body.data.setStepFeedback.step).toMatchObject({ feedback: 'POSITIVE', tags: ['keep', 'new'] });

    const cleared = await setFeedback({ stepId, feedback: null });
    expect(cleared.body.data.setStepFeedback.step).toMatchObject({ feedback: null, tags: ['keep', 'new'] });
    expect((await stored(stepId)).feedback).toBeNull();
  });

  it('adds tags as a set: no duplicates, order kept, and repeating a call changes nothing (updatedAt included)', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: ['a'], updated_at: '2025-01-01T00:00:00Z' });
    const first = await setFeedback({ stepId, tags: ['b', 'a', ' c ', 'b'] });
    expect(first.body.data.setStepFeedback.step.tags).toEqual(['a', 'b', 'c']);
    const afterFirst = await stored(stepId);
    expect(afterFirst.tags).toEqual(['a', 'b', 'c']);
    expect(afterFirst.updated_at.getTime()).toBeGreaterThan(new Date('2025-01-01T00:00:00Z').getTime());

    const again = await setFeedback({ stepId, tags: ['b', 'c'] });
    expect(again.body.data.setStepFeedback.step.tags).toEqual(['a', 'b', 'c']);
    expect((await stored(stepId)).updated_at.getTime()).toBe(afterFirst.updated_at.getTime());
  });

  it('removes tags, and moves updatedAt when something changed', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: ['a', 'b', 'c'], feedback: 'negative', updated_at: '2025-01-01T00:00:00Z' });
    const response = await setFeedback({ stepId, removeTags: ['b', 'missing'], tags: ['d'] });
    expect(response.body.data.setStepFeedback.step).toMatchObject({ tags: ['a', 'c', 'd'], feedback: 'NEGATIVE' });
    expect(response.body.data.setStepFeedback.step.updatedAt > '2025-01-01T00:00:00.000Z').toBe(true);
  });

  it('repairs a NULL tags column when adding to it', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: null });
    const response = await setFeedback({ stepId, tags: ['x'] });
    expect(response.body.data.setStepFeedback.step.tags).toEqual(['x']);
  });

  it('rejects invalid tags with BAD_USER_INPUT and writes nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: ['a'], feedback: null });
    const before = await stored(stepId);
    for (const input of [
      { stepId, feedback: 'POSITIVE', tags: ['   '] },
      { stepId, feedback: 'POSITIVE', tags: ['x'.repeat(101)] },
      { stepId, feedback: 'POSITIVE', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
      { stepId, feedback: 'POSITIVE', tags: ['bell\u0007'] },
      { stepId, feedback: 'POSITIVE', tags: ['x'], removeTags: ['x'] },
      { stepId },
    ]) {
      const response = await setFeedback(input);
      expect(codesOf(response), JSON.stringify(input).slice(0, 80)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.data).toBeNull();
    }
    expect(await stored(stepId)).toEqual(before);
  });

  it('refuses to grow a step past 200 tags, writing nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: Array.from({ length: 199 }, (_, i) => `t${i}`) });
    const response = await setFeedback({ stepId, tags: ['x', 'y'], feedback: 'POSITIVE' });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    const row = await stored(stepId);
    expect((row.tags as string[]).length).toBe(199);
    expect(row.feedback).toBeNull();
  });

  it('still lets a step that already carries more than 200 tags shrink or change feedback', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: Array.from({ length: 205 }, (_, i) => `t${i}`) });
    const feedbackOnly = await setFeedback({ stepId, feedback: 'POSITIVE' });
    expect(feedbackOnly.body.errors).toBeUndefined();
    const shrink = await setFeedback({ stepId, removeTags: ['t0', 't1'] });
    expect(shrink.body.data.setStepFeedback.step.tags).toHaveLength(203);
    expect(codesOf(await setFeedback({ stepId, tags: ['more'] }))).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps tag values it did not write as they are (non-strings included)', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: ['a', 1, null, 'b'] });
    await setFeedback({ stepId, tags: ['c'], removeTags: ['b'] });
    expect((await stored(stepId)).tags).toEqual(['a', 1, null, 'c']);
  });

  it('returns BAD_USER_INPUT for a malformed step id and for an unknown feedback value', async () => {
    expect(codesOf(await setFeedback({ stepId: 'step-1', feedback: 'POSITIVE' }))).toEqual(['BAD_USER_INPUT']);
    const stepId = await insertStep(t.db, tenant.organizationId);
    const response = await setFeedback({ stepId, feedback: 'MEH' });
    expect(response.status).toBe(400);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toContain('StepFeedback');
  });

  it("returns NOT_FOUND for an unknown step and for another organization's step, which stays untouched", async () => {
    expect(codesOf(await setFeedback({ stepId: newId('step'), feedback: 'POSITIVE' }))).toEqual(['NOT_FOUND']);
    const foreign = await insertStep(t.db, other.organizationId, { feedback: null, tags: [] });
    const response = await setFeedback({ stepId: foreign, feedback: 'POSITIVE', tags: ['mine'] });
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(response.body.errors?.[0]?.message).toBe(`No step with id "${foreign}" exists in your organization.`);
    expect(await stored(foreign)).toMatchObject({ feedback: null, tags: [] });
  });

  it(`keeps every tag when 50 calls add distinct tags to one step at once${onPostgres ? '' : ' (serialized on PGlite)'}`, async () => {
    const stepId = await insertStep(t.db, tenant.organizationId, { tags: [] });
    const tags = Array.from({ length: 50 }, (_, i) => `tag-${i}`);
    const responses = await Promise.all(
      tags.map((tag, i) => setFeedback({ stepId, tags: [tag, 'shared'], ...(i % 2 === 0 ? { feedback: 'POSITIVE' } : {}) })),
    );
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const row = await stored(stepId);
    expect([...(row.tags as string[])].sort()).toEqual([...tags, 'shared'].sort());
    expect(row.feedback).toBe('positive');
  });
});
