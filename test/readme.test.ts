import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureDemo } from '../src/demo.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';

let t: TestGateway;
let key: string;
let dataDir: string;

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);

beforeAll(async () => {
  t = await createTestGateway();
  dataDir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-demo-'));
  key = await ensureDemo(t.db, dataDir);
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the README', () => {
  it('has the example queries and the feedback mutation', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(examples.some((example) => example.includes('setStepFeedback'))).toBe(true);
  });

  it('keeps the demo key between starts, so it can be printed and put into GraphiQL each time', async () => {
    expect(await ensureDemo(t.db, dataDir)).toBe(key);
    expect((await readFile(path.join(dataDir, 'demo-api-key'), 'utf8')).trim()).toBe(key);
  });

  for (const [index, example] of examples.entries()) {
    it(`runs example ${index + 1} (${example.match(/(?:query|mutation) (\w+)/)?.[1]}) against the demo data`, async () => {
      const response = await t.graphql(key, example);
      expect(response.body.errors).toBeUndefined();
      const [root] = Object.values(response.body.data ?? {});
      expect(root).not.toBeNull();
      const text = JSON.stringify(root);
      // Every example returns real rows, not empty lists.
      expect(text).toMatch(/"id":"step-/);
    });
  }
});
