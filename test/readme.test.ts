import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureDemo } from '../src/demo.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed } from '../src/events/feed.ts';
import { createLogger } from '../src/logger.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';
import { subscribe } from './helpers/sse.ts';

let t: TestGateway;
let key: string;
let dataDir: string;

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
const scripts = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);

beforeAll(async () => {
  const bus = createLocalBus();
  t = await createTestGateway({ events: { bus } });
  dataDir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-demo-'));
  key = await ensureDemo(t.db, dataDir);
  // As at a start: the feed reader's first reading, after which events are recorded.
  await createEventFeed(t.db, bus, createLogger('silent'), { pollMs: 0, retentionMs: 3_600_000 }).readNow();
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the README', () => {
  it('has the example queries and the feedback mutation', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const operation of ['setStepFeedback', 'submitStepFeedback', 'deleteStepFeedback', 'createFeedbackToken', 'feedbackEntries', 'feedbackSummary', 'stepStats']) {
      expect(examples.some((example) => example.includes(operation)), operation).toBe(true);
    }
  });

  it('keeps the demo key between starts, so it can be printed and put into GraphiQL each time', async () => {
    expect(await ensureDemo(t.db, dataDir)).toBe(key);
    expect((await readFile(path.join(dataDir, 'demo-api-key'), 'utf8')).trim()).toBe(key);
  });

  for (const [index, example] of examples.entries()) {
    it(`runs example ${index + 1} (${example.match(/(?:query|mutation|subscription) (\w+)/)?.[1]}) against the demo data`, async () => {
      if (example.startsWith('subscription')) {
        // Subscribed over SSE, as GraphiQL does; feedback given meanwhile comes back as an event.
        const stream = await subscribe(t.gateway.fetch, 'http://gateway.test/graphql', key, example);
        const stepId = 'step-3afb6620-9a36-4ec3-bccd-2c00a7fa0f94';
        await t.graphql(key, `mutation { setStepFeedback(input: { stepId: "${stepId}", tags: ["live"] }) { step { id } } }`);
        const { result, id } = await stream.take();
        expect(result.errors).toBeUndefined();
        expect(result.data.stepEvents).toMatchObject({ cursor: id, type: 'FEEDBACK', step: { id: stepId, tags: expect.arrayContaining(['live']) } });
        await stream.close();
        return;
      }
      const response = await t.graphql(key, example);
      expect(response.body.errors).toBeUndefined();
      const [root] = Object.values(response.body.data ?? {});
      expect(root).not.toBeNull();
      const text = JSON.stringify(root);
      // Every example returns real rows, not empty lists: steps, or groups of steps.
      if (example.includes('stepStats')) {
        const groups = (root as { nodes: { stats: { count?: number } }[] }).nodes;
        expect(groups.length).toBeGreaterThan(1);
        for (const group of groups) expect(JSON.stringify(group.stats)).not.toMatch(/null|"count":0\b/);
      } else {
        expect(text).toMatch(/"(id|stepId)":"step-/);
      }
    });
  }

  it("runs the browser snippet: a page submits feedback with a token, over HTTP, with no key", async () => {
    expect(scripts).toHaveLength(1);
    const http = await serve(t.gateway);
    try {
      const stepId = 'step-3afb6620-9a36-4ec3-bccd-2c00a7fa0f94';
      const made = await t.graphql(key, `mutation { createFeedbackToken(input: { stepId: "${stepId}", submittedBy: { externalId: "browser-user" } }) { token } }`);
      const { token } = made.body.data.createFeedbackToken as { token: string };
      const code = scripts[0]!.replace('https://gateway.example.com/graphql', http.url);
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...names: string[]) => (...values: unknown[]) => Promise<void>;
      await new AsyncFunction('token', 'stepId', code)(token, stepId);
      const rows = await t.db.sql.query<{ score: number; submitter_type: string; source: string }>(
        `SELECT score, submitter_type, source FROM gateway_feedback_entries WHERE step_id = $1 AND submitter_id = 'browser-user'`,
        [stepId],
      );
      expect(rows).toEqual([{ score: 1, submitter_type: 'USER', source: 'APP' }]);
    } finally {
      await http.close();
    }
  });
});
