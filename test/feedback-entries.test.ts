import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { revokeKey } from '../src/auth/api-keys.ts';
import { createFeedbackTokens } from '../src/auth/feedback-tokens.ts';
import { readSecrets } from '../src/db/secrets.ts';
import { onPostgres } from './helpers/database.ts';
import { createTenant, createTenantKey, insertMessage, insertStep, newId } from './helpers/factories.ts';
import { SUBMIT_FEEDBACK, storedEntries, storedVersions } from './helpers/feedback.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';
import { NEEDS_POSTGRES } from './helpers/requirements.ts';
import { within } from './helpers/time.ts';

let t: TestGateway;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;
/** A key of the tenant allowed to submit on behalf of users. */
let app: Awaited<ReturnType<typeof createTenantKey>>;

const submit = (input: Record<string, unknown>, key = tenant.key) => t.graphql(key, SUBMIT_FEEDBACK, { input });
const entriesOf = (stepId: string) => storedEntries(t.db, stepId);

beforeAll(async () => {
  t = await createTestGateway();
  tenant = await createTenant(t.db, 'Acme');
  other = await createTenant(t.db, 'Other');
  app = await createTenantKey(t.db, tenant.organizationId, 'Acme app', ['on-behalf-of-users']);
});
afterAll(() => t.close());

describe('submitStepFeedback', () => {
  it('creates an entry with the defaults: criterion overall, source API, the key as submitter', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const response = await submit({ stepId, score: 0.5, comment: 'Good answer', attributes: { user_id: 'u-1' } });
    expect(response.body.errors).toBeUndefined();
    const payload = response.body.data.submitStepFeedback;
    expect(payload.outcome).toBe('CREATED');
    expect(payload.entry).toEqual({
      id: expect.stringMatching(/^feedback-[0-9a-f-]{36}$/),
      stepId,
      name: 'overall',
      score: 0.5,
      comment: 'Good answer',
      attributes: { user_id: 'u-1' },
      source: 'API',
      submittedBy: { type: 'API_KEY', id: tenant.apiKeyId, name: 'Acme key', email: null },
      version: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      updatedAt: payload.entry.createdAt,
      deletedAt: null,
      history: [],
    });
    expect(payload.step).toEqual({
      id: stepId,
      feedbackSummary: { count: 1, scoredCount: 1, meanScore: 0.5, minScore: 0.5, maxScore: 0.5, positiveCount: 1, negativeCount: 0, withCommentCount: 1 },
      feedbackEntries: { totalCount: 1, nodes: [{ id: payload.entry.id, score: 0.5 }] },
    });
    expect(await entriesOf(stepId)).toHaveLength(1);
  });

  it('replaces the submitter’s entry and keeps the version it replaced; the same submission again changes nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const first = (await submit({ stepId, name: 'helpfulness', score: -0.5 })).body.data.submitStepFeedback;
    const second = (await submit({ stepId, name: ' helpfulness ', score: 1, comment: 'On reflection, right', source: 'APP' })).body.data.submitStepFeedback;
    expect(second.outcome).toBe('UPDATED');
    expect(second.entry).toMatchObject({ id: first.entry.id, name: 'helpfulness', score: 1, comment: 'On reflection, right', source: 'APP', version: 2 });
    expect(second.entry.createdAt).toBe(first.entry.createdAt);
    expect(second.entry.updatedAt > first.entry.updatedAt).toBe(true);
    expect(second.entry.history).toEqual([
      {
        version: 1,
        score: -0.5,
        comment: null,
        attributes: {},
        source: 'API',
        submittedBy: { type: 'API_KEY', id: tenant.apiKeyId, name: 'Acme key', email: null },
        recordedAt: first.entry.updatedAt,
        replacedAt: second.entry.updatedAt,
      },
    ]);

    const again = (await submit({ stepId, name: 'helpfulness', score: 1, comment: 'On reflection, right', source: 'APP' })).body.data.submitStepFeedback;
    expect(again.outcome).toBe('UNCHANGED');
    expect(again.entry).toEqual(second.entry);
    expect(await storedVersions(t.db, first.entry.id)).toHaveLength(1);
    expect(await entriesOf(stepId)).toHaveLength(1);
  });

  it('keeps one entry per criterion and submitter, and summarizes them per criterion or all together', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await submit({ stepId, name: 'helpfulness', score: 1 });
    await submit({ stepId, name: 'accuracy', score: -1, comment: 'Wrong date' });
    await submit({ stepId, name: 'helpfulness', score: 0.5, submittedBy: { externalId: 'user-1', name: 'Bobby Tables', email: 'bobby@example.com' } }, app.key);
    await submit({ stepId, name: 'helpfulness', comment: 'No score, just a note', submittedBy: { externalId: 'user-2' } }, app.key);
    const response = await t.graphql(
      tenant.key,
      `query($id: ID!) { step(id: $id) {
        all: feedbackSummary { count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount }
        helpfulness: feedbackSummary(name: "helpfulness") { count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount }
        none: feedbackSummary(name: "tone") { count meanScore }
        users: feedbackEntries(filter: { submitterType: USER }) { totalCount nodes { submittedBy { type id name email } } }
        bobby: feedbackEntries(filter: { submittedBy: "user-1" }) { totalCount }
        accuracy: feedbackEntries(filter: { name: "accuracy" }) { nodes { comment } }
      } }`,
      { id: stepId },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.step).toEqual({
      all: { count: 4, scoredCount: 3, meanScore: 0.5 / 3, minScore: -1, maxScore: 1, positiveCount: 2, negativeCount: 1, withCommentCount: 2 },
      helpfulness: { count: 3, scoredCount: 2, meanScore: 0.75, minScore: 0.5, maxScore: 1, positiveCount: 2, negativeCount: 0, withCommentCount: 1 },
      none: { count: 0, meanScore: null },
      users: {
        totalCount: 2,
        nodes: [
          { submittedBy: { type: 'USER', id: 'user-2', name: null, email: null } },
          { submittedBy: { type: 'USER', id: 'user-1', name: 'Bobby Tables', email: 'bobby@example.com' } },
        ],
      },
      bobby: { totalCount: 1 },
      accuracy: { nodes: [{ comment: 'Wrong date' }] },
    });
  });

  it('refuses submittedBy from a key without the permission, and writes nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const response = await submit({ stepId, score: 1, submittedBy: { externalId: 'user-1' } });
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(response.body.data).toBeNull();
    expect(await entriesOf(stepId)).toEqual([]);
  });

  it('answers bad input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const cases: [Record<string, unknown>, string | undefined][] = [
      [{ stepId, score: 1.5 }, 'score'],
      [{ stepId, score: -1.01 }, 'score'],
      [{ stepId, score: 'NaN' }, undefined],
      [{ stepId }, 'score'],
      [{ stepId, comment: '   ' }, 'score'],
      [{ stepId: 'not-a-step', score: 1 }, 'stepId'],
      [{ stepId, score: 1, name: '   ' }, 'name'],
      [{ stepId, score: 1, name: 'x'.repeat(101) }, 'name'],
      [{ stepId, score: 1, name: 'tab\there' }, 'name'],
      [{ stepId, comment: 'x'.repeat(10_001) }, 'comment'],
      [{ stepId, comment: 'bell\u0007' }, 'comment'],
      [{ stepId, comment: 'half \ud800 a pair' }, 'comment'],
      [{ stepId, score: 1, attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'attributes'],
      [{ stepId, score: 1, attributes: { ['k'.repeat(101)]: 'v' } }, 'attributes'],
      [{ stepId, score: 1, attributes: { k: 'v'.repeat(1_001) } }, 'attributes.k'],
      [{ stepId, score: 1, attributes: { k: 1 } }, 'attributes.k'],
      [{ stepId, score: 1, attributes: ['a'] }, 'attributes'],
      [{ stepId, score: 1, attributes: 'text' }, 'attributes'],
      [{ stepId, score: 1, submittedBy: { externalId: ' ' } }, 'submittedBy.externalId'],
      [{ stepId, score: 1, submittedBy: { externalId: 'u', email: 'not an email' } }, 'submittedBy.email'],
      [{ stepId, score: 1, submittedBy: { externalId: 'apikey-00000000-0000-4000-8000-000000000000' } }, 'submittedBy.externalId'],
      [{ stepId, score: 1, source: 'BROWSER' }, undefined],
    ];
    for (const [input, field] of cases) {
      const response = await submit(input, app.key);
      expect(codesOf(response), JSON.stringify(input).slice(0, 80)).toEqual(['BAD_USER_INPUT']);
      if (field !== undefined) expect(response.body.errors?.[0]?.extensions?.field, JSON.stringify(input).slice(0, 80)).toBe(field);
    }
    expect(await entriesOf(stepId)).toEqual([]);
  });

  it('refuses a score that is not a finite number sent as a JSON number', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const response = await t.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
      body: `{"query": ${JSON.stringify(SUBMIT_FEEDBACK)}, "variables": {"input": {"stepId": "${stepId}", "score": 1e999}}}`,
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await entriesOf(stepId)).toEqual([]);
  });

  it('answers a step of another organization exactly as an unknown one', async () => {
    const theirs = await insertStep(t.db, other.organizationId);
    const unknown = newId('step');
    const foreign = await submit({ stepId: theirs, score: 1 });
    const missing = await submit({ stepId: unknown, score: 1 });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(foreign.body.errors?.[0]?.message).toBe(`No step with id "${theirs}" exists in your organization.`);
    expect(missing.body.errors?.[0]?.message).toBe(`No step with id "${unknown}" exists in your organization.`);
    expect(await entriesOf(theirs)).toEqual([]);
  });

  it('writes an audit line for each submission, applied or rejected', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await submit({ stepId, score: 0.25, comment: 'private words' });
    await submit({ stepId, score: 3 });
    const lines = t.logLines.filter((line) => line.event === 'step.feedback.entry' && line.stepId === stepId);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'audit: step feedback entry',
        outcome: 'applied',
        action: 'submit',
        organizationId: tenant.organizationId,
        apiKeyId: tenant.apiKeyId,
        name: 'overall',
        result: expect.objectContaining({ outcome: 'CREATED', score: 0.25, hasComment: true, submitterType: 'API_KEY', version: 1 }),
      }),
      expect.objectContaining({ outcome: 'rejected', action: 'submit', code: 'BAD_USER_INPUT' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('private words');
    expect(JSON.stringify(lines)).not.toContain(tenant.key);
  });
});

describe('Step.feedbackEntries and node', () => {
  it('lists entries newest first with cursors, and reads an entry by its id', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await submit({ stepId, score: i / 10, submittedBy: { externalId: `user-${i}` } }, app.key)).body.data.submitStepFeedback.entry.id);
    }
    const page = async (after?: string) =>
      (
        await t.graphql(
          tenant.key,
          `query($id: ID!, $after: String) { step(id: $id) { feedbackEntries(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }`,
          { id: stepId, after },
        )
      ).body.data.step.feedbackEntries;
    const first = await page();
    const second = await page(first.pageInfo.endCursor);
    const third = await page(second.pageInfo.endCursor);
    expect([...first.nodes, ...second.nodes, ...third.nodes].map((node: { id: string }) => node.id)).toEqual([...ids].reverse());
    expect([first.totalCount, first.pageInfo.hasNextPage, third.pageInfo.hasNextPage]).toEqual([5, true, false]);

    const node = await t.graphql(tenant.key, `query($id: ID!) { node(id: $id) { __typename id ... on FeedbackEntry { score step { id } } } }`, { id: ids[2] });
    expect(node.body.data.node).toEqual({ __typename: 'FeedbackEntry', id: ids[2], score: 0.2, step: { id: stepId } });
    const foreign = await t.graphql(other.key, `query($id: ID!) { node(id: $id) { id } }`, { id: ids[2] });
    expect(foreign.body).toEqual({ data: { node: null } });
  });

  it('costs the same few statements for a page of 5 steps as for 100, with summaries, entries and their history', async () => {
    const agentId = `agent-${newId('batch')}`;
    for (let i = 0; i < 100; i++) {
      const stepId = await insertStep(t.db, tenant.organizationId, { agent_id: agentId, created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() });
      if (i % 3 === 0) {
        await submit({ stepId, name: 'accuracy', score: 0.5 });
        await submit({ stepId, name: 'accuracy', score: 1 });
        await submit({ stepId, score: -1, submittedBy: { externalId: 'u' } }, app.key);
      }
    }
    const query = `query($agentId: String!, $first: Int!) { steps(first: $first, filter: { agentId: $agentId }) { nodes {
      id
      feedbackSummary { count meanScore }
      accuracy: feedbackSummary(name: "accuracy") { count meanScore }
      feedbackEntries(first: 10) { totalCount nodes { id score submittedBy { type } history(last: 5) { version score } } }
    } } }`;
    const five = await t.queryStatements(tenant.key, query, { agentId, first: 5 });
    const hundred = await t.queryStatements(tenant.key, query, { agentId, first: 100 });
    expect(hundred.body.data.steps.nodes).toHaveLength(100);
    const withEntries = hundred.body.data.steps.nodes.filter((node: { feedbackSummary: { count: number } }) => node.feedbackSummary.count > 0);
    expect(withEntries).toHaveLength(34);
    expect(withEntries[0].accuracy).toEqual({ count: 1, meanScore: 1 });
    expect(withEntries[0].feedbackEntries.nodes.find((entry: { score: number }) => entry.score === 1).history).toEqual([{ version: 1, score: 0.5 }]);
    // The key, the page with the first summary joined, the other summary, the entries, their count, their history.
    expect(hundred.statements.length).toBe(five.statements.length);
    expect(hundred.statements.length).toBe(6);

    // A page with one summary is one statement besides the key, and its summaries are those a step's own read gives.
    const summary = 'count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount';
    const page = await t.queryStatements(tenant.key, `query($agentId: String!) { steps(first: 100, filter: { agentId: $agentId }) { nodes { id feedbackSummary(name: "accuracy") { ${summary} } } } }`, { agentId });
    expect(page.statements).toHaveLength(2);
    for (const node of page.body.data.steps.nodes.slice(0, 12)) {
      const own = await t.graphql(tenant.key, `query($id: ID!) { step(id: $id) { feedbackSummary(name: "accuracy") { ${summary} } } }`, { id: node.id });
      expect(node.feedbackSummary).toEqual(own.body.data.step.feedbackSummary);
    }
  });
});

describe('StepFilter on feedback entries', () => {
  it('finds steps by criterion, score range, comment and submitter, all on one entry', async () => {
    const agentId = `agent-${newId('filter')}`;
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map((i) => insertStep(t.db, tenant.organizationId, { agent_id: agentId, created_at: `2025-02-0${i}T00:00:00Z` })));
    await submit({ stepId: a!, name: 'accuracy', score: 0.9, comment: 'spot on' });
    await submit({ stepId: b!, name: 'accuracy', score: -0.8 });
    await submit({ stepId: b!, name: 'tone', score: 0.9 });
    await submit({ stepId: c!, name: 'tone', comment: 'curt', submittedBy: { externalId: 'reviewer-7' } }, app.key);
    void d;
    const ids = async (filter: Record<string, unknown>) => {
      const response = await t.graphql(tenant.key, `query($filter: StepFilter) { steps(filter: $filter, orderBy: { direction: ASC }) { totalCount nodes { id } } }`, {
        filter: { agentId, ...filter },
      });
      expect(response.body.errors).toBeUndefined();
      const { totalCount, nodes } = response.body.data.steps;
      expect(totalCount).toBe(nodes.length);
      return nodes.map((node: { id: string }) => node.id);
    };
    expect(await ids({ feedbackName: 'accuracy' })).toEqual([a, b]);
    expect(await ids({ feedbackName: ' accuracy ' })).toEqual([a, b]);
    expect(await ids({ minScore: 0.5 })).toEqual([a, b]);
    // One entry must meet every condition: b's high score is on tone, not accuracy.
    expect(await ids({ feedbackName: 'accuracy', minScore: 0.5 })).toEqual([a]);
    expect(await ids({ feedbackName: 'accuracy', maxScore: 0 })).toEqual([b]);
    expect(await ids({ hasComment: true })).toEqual([a, c]);
    expect(await ids({ hasComment: false })).toEqual([b]);
    expect(await ids({ submittedBy: 'reviewer-7' })).toEqual([c]);
    expect(await ids({ submittedBy: tenant.apiKeyId })).toEqual([a, b]);

    for (const filter of [{ minScore: 2 }, { maxScore: -1.5 }, { minScore: 0.5, maxScore: 0 }]) {
      const response = await t.graphql(tenant.key, `query($filter: StepFilter) { steps(filter: $filter) { nodes { id } } }`, { filter });
      expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('never matches on another organization’s entries', async () => {
    const theirs = await insertStep(t.db, other.organizationId, { agent_id: 'agent-shared-filter' });
    await t.graphql(other.key, SUBMIT_FEEDBACK, { input: { stepId: theirs, name: 'secret-criterion', score: 1 } });
    const response = await t.graphql(tenant.key, `{ steps(filter: { feedbackName: "secret-criterion" }) { totalCount nodes { id } } }`);
    expect(response.body.data.steps).toEqual({ totalCount: 0, nodes: [] });
  });
});

describe('deleteStepFeedback', () => {
  const DELETE = `mutation($id: ID!) { deleteStepFeedback(input: { id: $id }) { entry { id deletedAt history { version } } step { id feedbackSummary { count } feedbackEntries { totalCount } } } }`;

  it('removes the entry from lists and summaries; it stays readable by id with its history', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await submit({ stepId, score: 0.1 });
    const entryId = (await submit({ stepId, score: 0.2 })).body.data.submitStepFeedback.entry.id;
    const deleted = await t.graphql(tenant.key, DELETE, { id: entryId });
    expect(deleted.body.errors).toBeUndefined();
    const payload = deleted.body.data.deleteStepFeedback;
    expect(payload.entry).toEqual({ id: entryId, deletedAt: expect.any(String), history: [{ version: 1 }] });
    expect(payload.step).toEqual({ id: stepId, feedbackSummary: { count: 0 }, feedbackEntries: { totalCount: 0 } });

    const again = await t.graphql(tenant.key, DELETE, { id: entryId });
    expect(again.body.data.deleteStepFeedback.entry.deletedAt).toBe(payload.entry.deletedAt);

    const read = await t.graphql(
      tenant.key,
      `query($id: ID!, $stepId: ID!) { node(id: $id) { ... on FeedbackEntry { deletedAt score } } step(id: $stepId) { feedbackEntries(filter: { includeDeleted: true }) { nodes { id deletedAt } } } }`,
      { id: entryId, stepId },
    );
    expect(read.body.data).toEqual({
      node: { deletedAt: payload.entry.deletedAt, score: 0.2 },
      step: { feedbackEntries: { nodes: [{ id: entryId, deletedAt: payload.entry.deletedAt }] } },
    });

    // The submitter starts afresh: a new entry.
    const fresh = (await submit({ stepId, score: 0.2 })).body.data.submitStepFeedback;
    expect(fresh).toMatchObject({ outcome: 'CREATED', entry: { version: 1 } });
    expect(fresh.entry.id).not.toBe(entryId);
  });

  it('is allowed to the key that wrote the entry and to keys that act for users; others get FORBIDDEN, other organizations NOT_FOUND', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const colleague = await createTenantKey(t.db, tenant.organizationId, 'colleague');
    const entryId = (await submit({ stepId, score: 1 })).body.data.submitStepFeedback.entry.id;

    const byColleague = await t.graphql(colleague.key, DELETE, { id: entryId });
    expect(codesOf(byColleague)).toEqual(['FORBIDDEN']);
    const byOther = await t.graphql(other.key, DELETE, { id: entryId });
    expect(codesOf(byOther)).toEqual(['NOT_FOUND']);
    const malformed = await t.graphql(tenant.key, DELETE, { id: 'feedback-1' });
    expect(codesOf(malformed)).toEqual(['BAD_USER_INPUT']);
    expect((await entriesOf(stepId))[0]?.deleted_at).toBeNull();

    const byApp = await t.graphql(app.key, DELETE, { id: entryId });
    expect(byApp.body.data.deleteStepFeedback.entry.deletedAt).not.toBeNull();
  });
});

describe('feedback tokens', () => {
  const CREATE_TOKEN = `mutation($input: CreateFeedbackTokenInput!) { createFeedbackToken(input: $input) { token expiresAt stepId name } }`;
  const createToken = async (input: Record<string, unknown>, key = tenant.key) => {
    const response = await t.graphql(key, CREATE_TOKEN, { input });
    expect(response.body.errors).toBeUndefined();
    return response.body.data.createFeedbackToken as { token: string; expiresAt: string };
  };
  const BY_TOKEN = `mutation($input: SubmitStepFeedbackInput!) { submitStepFeedback(input: $input) { outcome entry { id name score source comment submittedBy { type id name } history { comment } } step { id } } }`;
  /** What a request with a bad key gets: the reference for every refused token. */
  const badKey = async () => t.graphql('sgw_' + 'x'.repeat(43), BY_TOKEN, { input: {} });

  it('lets its holder submit for its step and criterion, as the system, for an hour by default', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const before = Date.now();
    const { token, expiresAt } = await createToken({ stepId, name: 'helpfulness' });
    expect(token).toMatch(/^sgwft_/);
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(3_599_000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(3_601_000);

    const response = await t.graphql(token, BY_TOKEN, { input: { stepId, name: 'helpfulness', score: 1 } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.submitStepFeedback).toMatchObject({
      outcome: 'CREATED',
      entry: { name: 'helpfulness', score: 1, source: 'APP', submittedBy: { type: 'SYSTEM', id: null, name: null } },
      step: { id: stepId },
    });
    const [row] = await entriesOf(stepId);
    expect(row).toMatchObject({ api_key_id: tenant.apiKeyId, submitter_type: 'SYSTEM' });
    // The audit line names the key whose token it was, and says a token was used; never the token.
    const lines = t.logLines.filter((line) => line.event === 'step.feedback.entry' && line.stepId === stepId && line.action === 'submit');
    expect(lines).toEqual([expect.objectContaining({ outcome: 'applied', apiKeyId: tenant.apiKeyId, via: 'feedback-token' })]);
    expect(JSON.stringify(t.logLines)).not.toContain(token);
  });

  it('submits as the end user its key named, when the key may act for users; other keys get FORBIDDEN', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const { token } = await createToken({ stepId, submittedBy: { externalId: 'user-9', name: 'Ada' } }, app.key);
    const response = await t.graphql(token, BY_TOKEN, { input: { stepId, score: -1 } });
    expect(response.body.data.submitStepFeedback.entry.submittedBy).toEqual({ type: 'USER', id: 'user-9', name: 'Ada' });

    const refused = await t.graphql(tenant.key, CREATE_TOKEN, { input: { stepId, submittedBy: { externalId: 'user-9' } } });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    const unknown = await t.graphql(tenant.key, CREATE_TOKEN, { input: { stepId: newId('step') } });
    expect(codesOf(unknown)).toEqual(['NOT_FOUND']);
    for (const expiresIn of [59, 7 * 86_400 + 1]) {
      expect(codesOf(await t.graphql(tenant.key, CREATE_TOKEN, { input: { stepId, expiresIn } }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('gives the same 401 as a bad key for another step or criterion, a tampered or expired token, or a revoked key', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const otherStep = await insertStep(t.db, tenant.organizationId);
    const { token } = await createToken({ stepId });
    const reference = await badKey();
    expect(reference.status).toBe(401);

    const secrets = await readSecrets(t.db.sql);
    const expired = createFeedbackTokens(secrets.feedbackToken).sign({
      organizationId: tenant.organizationId,
      apiKeyId: tenant.apiKeyId,
      stepId,
      name: 'overall',
      expiresAt: Date.now() - 1000,
      subject: 'expired',
    });
    const forged = createFeedbackTokens('another secret').sign({ organizationId: tenant.organizationId, apiKeyId: tenant.apiKeyId, stepId, name: 'overall', expiresAt: Date.now() + 60_000, subject: 'forged' });
    const [payload, signature] = token.slice('sgwft_'.length).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `sgwft_${Buffer.from(JSON.stringify({ ...claims, stepId: otherStep })).toString('base64url')}.${signature}`;

    const attempts: [string, Record<string, unknown>][] = [
      [token, { stepId: otherStep, score: 1 }],
      [token, { stepId, name: 'accuracy', score: 1 }],
      [tampered, { stepId: otherStep, score: 1 }],
      [expired, { stepId, score: 1 }],
      [forged, { stepId, score: 1 }],
    ];
    for (const [credential, input] of attempts) {
      const response = await t.graphql(credential, BY_TOKEN, { input });
      expect(response.status, JSON.stringify(input)).toBe(401);
      expect(response.body).toEqual(reference.body);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }

    const revocable = await createTenantKey(t.db, tenant.organizationId, 'revocable');
    const { token: revokedToken } = await createToken({ stepId }, revocable.key);
    expect((await t.graphql(revokedToken, BY_TOKEN, { input: { stepId, score: 0 } })).status).toBe(200);
    await revokeKey(t.db.prisma, revocable.apiKeyId);
    const afterRevoke = await t.graphql(revokedToken, BY_TOKEN, { input: { stepId, score: 1 } });
    expect(afterRevoke.status).toBe(401);
    expect((await entriesOf(otherStep)).length).toBe(0);
    expect((await entriesOf(stepId)).map((row) => row.score)).toEqual([0]);
  });

  it('keeps each anonymous token’s entry its own, takes an explicit null criterion as the default, and submits as APP only', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const first = (await createToken({ stepId })).token;
    const second = (await createToken({ stepId })).token;
    await t.graphql(first, BY_TOKEN, { input: { stepId, score: 1, comment: 'first visitor, private words' } });
    await t.graphql(first, BY_TOKEN, { input: { stepId, score: 0.5 } });
    const other = await t.graphql(second, BY_TOKEN, { input: { stepId, name: null, score: -1 } });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.submitStepFeedback).toMatchObject({ outcome: 'CREATED', entry: { name: 'overall', score: -1, history: [] } });
    expect(JSON.stringify(other.body)).not.toContain('private words');
    const rows = await entriesOf(stepId);
    expect(rows.map((row) => [row.submitter_type, row.score])).toEqual([['SYSTEM', 0.5], ['SYSTEM', -1]]);

    const asEvaluator = await t.graphql(first, BY_TOKEN, { input: { stepId, score: 1, source: 'EVALUATOR' } });
    expect(codesOf(asEvaluator)).toEqual(['FORBIDDEN']);
    expect((await entriesOf(stepId)).map((row) => row.score)).toEqual([0.5, -1]);
  });

  it('refuses to make a token too long to be sent back', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const wide = '\u{1F600}';
    const response = await t.graphql(app.key, CREATE_TOKEN, {
      input: { stepId, name: wide.repeat(100), submittedBy: { externalId: wide.repeat(200), name: wide.repeat(200), email: `${wide.repeat(150)}@${wide.repeat(150)}` } },
    });
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps its Idempotency-Keys apart from the organization’s keys', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const { token } = await createToken({ stepId });
    const send = (credential: string, query: string, variables: Record<string, unknown>) =>
      t.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}`, 'idempotency-key': `shared-${stepId}` },
        body: JSON.stringify({ query, variables }),
      });
    // The key's request and the token's, with the same Idempotency-Key and body: each runs as its own.
    const input = { stepId, score: 1, source: 'APP' };
    const byKey = await send(tenant.key, BY_TOKEN, { input });
    const byToken = await send(token, BY_TOKEN, { input });
    expect(byToken.headers.get('idempotent-replayed')).toBeNull();
    const [keyBody, tokenBody] = [(await byKey.json()) as any, (await byToken.json()) as any];
    expect(keyBody.data.submitStepFeedback.entry.submittedBy.type).toBe('API_KEY');
    expect(tokenBody.data.submitStepFeedback.entry.submittedBy.type).toBe('SYSTEM');
    expect(await entriesOf(stepId)).toHaveLength(2);
  });

  it('may not read anything else, nor name a submitter, nor make or delete', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    await insertMessage(t.db, tenant.organizationId, stepId, { content: [{ type: 'text', text: 'secret' }] });
    const { token } = await createToken({ stepId });
    const reads = [
      `{ steps { nodes { id } } }`,
      `mutation { submitStepFeedback(input: { stepId: "${stepId}", score: 1 }) { step { id messages { nodes { id } } } } }`,
      `mutation { submitStepFeedback(input: { stepId: "${stepId}", score: 1 }) { entry { step { model } } } }`,
      `mutation { createFeedbackToken(input: { stepId: "${stepId}" }) { token } }`,
      `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: POSITIVE }) { step { id } } }`,
    ];
    for (const query of reads) {
      const response = await t.graphql(token, query);
      expect(response.status, query).toBe(403);
      expect(codesOf(response), query).toEqual(['FORBIDDEN']);
    }
    const naming = await t.graphql(token, BY_TOKEN, { input: { stepId, score: 1, submittedBy: { externalId: 'someone' } } });
    expect(codesOf(naming)).toEqual(['FORBIDDEN']);
    expect(await entriesOf(stepId)).toEqual([]);
  });
});

describe('around the mutations', () => {
  it('honours Idempotency-Key: a retry gets the first response and writes nothing more', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const send = (score: number) =>
      t.gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'idempotency-key': `entry-${stepId}` },
        body: JSON.stringify({ query: SUBMIT_FEEDBACK, variables: { input: { stepId, score } } }),
      });
    const first = await send(0.5);
    const firstText = await first.text();
    await submit({ stepId, score: -0.5 });
    const replay = await send(0.5);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(firstText);
    const [entry] = await entriesOf(stepId);
    expect(entry).toMatchObject({ score: -0.5, version: 2 });
  });

  it('counts a key’s feedback tokens together, apart from the key’s own requests, under the same per-minute limit', async () => {
    const limited = await createTestGateway({ database: t.database, security: { rateLimitPerMinute: 3 } });
    const stepId = await insertStep(t.db, tenant.organizationId);
    const key = await createTenantKey(t.db, tenant.organizationId, 'limited');
    const make = async () => (await limited.graphql(key.key, `mutation { createFeedbackToken(input: { stepId: "${stepId}" }) { token } }`)).body.data.createFeedbackToken.token as string;
    const [first, second] = [await make(), await make()];
    expect((await limited.graphql(key.key, `{ step(id: "${stepId}") { id } }`)).status).toBe(200);
    expect((await limited.graphql(key.key, `{ step(id: "${stepId}") { id } }`)).status).toBe(429);
    // The key's limit is used up; its tokens have theirs, one for all of them: making more does not multiply it.
    const byToken = `mutation($input: SubmitStepFeedbackInput!) { submitStepFeedback(input: $input) { outcome } }`;
    for (let i = 0; i < 2; i++) expect((await limited.graphql(first, byToken, { input: { stepId, score: i / 10 } })).status).toBe(200);
    expect((await limited.graphql(second, byToken, { input: { stepId, score: 0.5 } })).status).toBe(200);
    const refused = await limited.graphql(second, byToken, { input: { stepId, score: 1 } });
    expect(refused.status).toBe(429);
    expect(codesOf(refused)).toEqual(['RATE_LIMITED']);
  });
});

describe(`concurrent submissions${onPostgres ? '' : ' (serialized on PGlite)'}`, () => {
  it('gives 50 entries for 50 submitters at once', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => submit({ stepId, score: (i - 25) / 25, submittedBy: { externalId: `user-${i}` } }, app.key)),
    );
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const rows = await entriesOf(stepId);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((row) => row.submitter_id)).size).toBe(50);
  });

  it('gives one entry and 49 versions, none lost or repeated, for 50 scores from one submitter at once', async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    const scores = Array.from({ length: 50 }, (_, i) => (i + 1) / 50);
    const responses = await Promise.all(scores.map((score) => submit({ stepId, score })));
    for (const response of responses) expect(response.body.errors).toBeUndefined();
    const outcomes = responses.map((response) => response.body.data.submitStepFeedback.outcome);
    expect(outcomes.filter((outcome) => outcome === 'CREATED')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'UPDATED')).toHaveLength(49);

    const [entry, ...more] = await entriesOf(stepId);
    expect(more).toEqual([]);
    expect(entry!.version).toBe(50);
    const versions = await storedVersions(t.db, entry!.id);
    expect(versions.map((version) => version.version)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    expect([...versions.map((version) => version.score), entry!.score].sort((x, y) => x! - y!)).toEqual(scores);
  });

  it.skipIf(!onPostgres)(`updates, rather than duplicates, an entry another submission created while it ran ${onPostgres ? '' : NEEDS_POSTGRES}`, async () => {
    const stepId = await insertStep(t.db, tenant.organizationId);
    // Another connection creates the same entry and holds its transaction open: the submission meets it at
    // the unique index, waits, writes nothing, and is sent again.
    const rival = new pg.Client({ connectionString: t.database.url });
    await rival.connect();
    try {
      await rival.query('BEGIN');
      await rival.query(
        `INSERT INTO gateway_feedback_entries (id, organization_id, step_id, name, score, source, submitter_type, submitter_id, submitter_name, api_key_id)
         VALUES ($1, $2, $3, 'overall', 0.1, 'API', 'API_KEY', $4, 'Acme key', $4)`,
        [newId('feedback'), tenant.organizationId, stepId, tenant.apiKeyId],
      );
      const submission = submit({ stepId, score: 0.9 });
      await within(5_000, async () => {
        const [waiting] = await t.db.sql.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%gateway_feedback_entries%'`,
        );
        return waiting!.count > 0;
      });
      await rival.query('COMMIT');
      const response = await submission;
      expect(response.body.data.submitStepFeedback).toMatchObject({ outcome: 'UPDATED', entry: { score: 0.9, version: 2, history: [{ version: 1, score: 0.1 }] } });
    } finally {
      await rival.end();
    }
    expect(await entriesOf(stepId)).toHaveLength(1);
  });
});
