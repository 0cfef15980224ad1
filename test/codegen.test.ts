import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generatedFiles } from '../scripts/codegen.ts';
import { DEFAULT_SECURITY } from '../src/config.ts';
import { seed } from '../src/db/seed.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';
import { readmeCopiesOf, runExample } from './helpers/process.ts';

describe('npm run codegen', () => {
  it('has generated what is committed: the files are not stale', async () => {
    const files = await generatedFiles();
    expect(files.map((file) => path.relative(process.cwd(), file.filename)).sort()).toEqual([
      'examples/generated/cache-config.ts',
      'examples/generated/graphcache-schema.ts',
      'examples/generated/operations/gql.ts',
      'examples/generated/operations/graphql.ts',
      'examples/generated/operations/index.ts',
      'examples/generated/possible-types.ts',
      'src/rest/generated.ts',
    ]);
    for (const file of files) {
      expect(await readFile(file.filename, 'utf8'), `${file.filename} is stale: run "npm run codegen"`).toBe(file.content);
    }
  });
});

describe('examples/agent-steps.ts', () => {
  let t: TestGateway;
  let server: Awaited<ReturnType<typeof serve>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    t = await createTestGateway();
    tenant = await createTenant(t.db, 'Example');
    await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 30, seed: 4 });
    server = await serve(t.gateway);
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });

  const run = (args: string[] = [], env: Record<string, string> = {}) => runExample('examples/agent-steps.ts', server.url, tenant.key, args, env);

  it('lists the newest steps of an agent with their messages and gives the newest feedback', async () => {
    const output = await run(['--feedback', 'NEGATIVE', '--tag', 'from-example']);
    expect(output.stderr).toBe('');
    expect(output.code).toBe(0);
    expect(output.stdout).toMatch(/^Agent agent-\S+: \d+ steps; the newest 5:/);
    expect(output.stdout).toMatch(/ {2}user {6}\S/);
    const stepId = output.stdout.match(/Feedback on (step-\S+): NEGATIVE, tags \[.*"from-example".*\]/)?.[1];
    expect(stepId).toBeDefined();
    const [row] = await t.db.sql.query<{ feedback: string; tags: string[] }>('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
    expect(row).toMatchObject({ feedback: 'negative', tags: expect.arrayContaining(['from-example']) });
  });

  it('says in one line what is wrong with its arguments, its key or the gateway, and exits 1', async () => {
    const bogus = await run(['--feedback', 'BOGUS']);
    expect({ code: bogus.code, stderr: bogus.stderr, stdout: bogus.stdout }).toEqual({ code: 1, stderr: '--feedback must be POSITIVE or NEGATIVE.\n', stdout: '' });
    const badKey = await run([], { STEPS_GATEWAY_KEY: `sgw_${'0'.repeat(43)}` });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toBe('UNAUTHENTICATED: A valid API key is required: send it as "Authorization: Bearer <key>".\n');
    const nowhere = await run([], { STEPS_GATEWAY_URL: 'http://127.0.0.1:1/graphql' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^Cannot reach the gateway at http:\/\/127\.0\.0\.1:1\/graphql: is it running \(npm start\)\?/);
  });
});

describe("the README's client examples", () => {
  let t: TestGateway;
  let server: Awaited<ReturnType<typeof serve>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    // With the protections as production has them (CSRF prevention included).
    t = await createTestGateway({ security: DEFAULT_SECURITY });
    tenant = await createTenant(t.db, 'Readme clients');
    await seed(t.db.sql, { organizationId: tenant.organizationId, steps: 30, seed: 8 });
    server = await serve(t.gateway);
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });

  for (const file of ['examples/apollo.ts', 'examples/urql.ts']) {
    it(`shows ${file} as it is, which fetches two pages, sets feedback and reads an error code, without a warning`, async () => {
      expect(readmeCopiesOf(file)).toEqual([readFileSync(file, 'utf8')]);
      const output = await runExample(file, server.url, tenant.key);
      expect(output.stderr).toBe('');
      expect(output.code).toBe(0);
      const [pages, feedback, refused] = output.stdout.trim().split('\n');
      // Two pages of 10 reached the cache: the second came from the gateway, not from the cache.
      expect(pages).toBe('20 steps in the cached list after two pages of 10 (the second ended at a later cursor)');
      const stepId = feedback!.match(/^(step-\S+): POSITIVE$/)?.[1];
      expect(stepId).toBeDefined();
      expect(refused).toBe('refused: BAD_USER_INPUT');
      const [row] = await t.db.sql.query<{ feedback: string; tags: string[] }>('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
      expect(row).toMatchObject({ feedback: 'positive', tags: expect.arrayContaining(['checked']) });
    });
  }
});
