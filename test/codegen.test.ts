import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generatedFiles } from '../scripts/codegen.ts';
import { seed } from '../src/db/seed.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';

describe('npm run codegen', () => {
  it('has generated what is committed: the files are not stale', async () => {
    const files = await generatedFiles();
    expect(files.map((file) => path.relative(process.cwd(), file.filename)).sort()).toEqual([
      'examples/generated/graphcache-schema.ts',
      'examples/generated/operations/gql.ts',
      'examples/generated/operations/graphql.ts',
      'examples/generated/operations/index.ts',
      'examples/generated/possible-types.ts',
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

  it('lists the newest steps of an agent with their messages and gives the newest feedback', async () => {
    const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/agent-steps.ts', '--feedback', 'NEGATIVE', '--tag', 'from-example'], {
        env: { ...process.env, STEPS_GATEWAY_URL: server.url, STEPS_GATEWAY_KEY: tenant.key },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(output.stderr).toBe('');
    expect(output.code).toBe(0);
    expect(output.stdout).toMatch(/^Agent agent-\S+: \d+ steps; the newest 5:/);
    expect(output.stdout).toMatch(/ {2}user {6}\S/);
    const stepId = output.stdout.match(/Feedback on (step-\S+): NEGATIVE, tags \[.*"from-example".*\]/)?.[1];
    expect(stepId).toBeDefined();
    const [row] = await t.db.sql.query<{ feedback: string; tags: string[] }>('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
    expect(row).toMatchObject({ feedback: 'negative', tags: expect.arrayContaining(['from-example']) });
  });
});
