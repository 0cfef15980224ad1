import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.ts';
import { documentId } from '../src/security/trusted-documents.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf, postGraphQL, send, serve } from './helpers/http.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = path.join(root, 'node_modules/.bin/tsx');
const operations = path.join(root, 'test/fixtures/operations');

function build(args: string[]) {
  return promisify(execFile)(tsx, ['scripts/build-trusted-documents.ts', ...args], { cwd: root }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

let dir: string;
let manifestFile: string;
let manifest: Record<string, string>;
let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let stepId: string;

const idOf = (name: string) => Object.entries(manifest).find(([, document]) => document.includes(` ${name}`))![0];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-trusted-'));
  manifestFile = path.join(dir, 'trusted-documents.json');
  const built = await build([operations, '--out', manifestFile]);
  expect(built.code, built.stderr).toBe(0);
  manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  t = await createTestGateway({ security: { trustedDocuments: manifestFile } });
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Trusted');
  stepId = await insertStep(t.db, tenant.organizationId, { model: 'gpt-4o-mini', feedback: null, tags: [] });
});
afterAll(async () => {
  await http.close();
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the manifest builder', () => {
  it('writes one document per operation, with the fragments it uses, keyed by its sha256', async () => {
    expect(Object.keys(manifest)).toHaveLength(3);
    for (const [id, document] of Object.entries(manifest)) expect(id).toBe(documentId(document));
    const newest = manifest[idOf('NewestSteps')]!;
    expect(newest).toContain('fragment StepSummary on Step');
    expect(manifest[idOf('GiveFeedback')]).not.toContain('fragment');
  });

  it('refuses to build from operations the schema does not know, naming them', async () => {
    const bad = path.join(dir, 'bad.graphql');
    await writeFile(bad, 'query Broken { steps { nodez } }\nquery { steps { totalCount } }\n');
    const result = await build([bad, '--out', path.join(dir, 'never.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('anonymous');
    await writeFile(bad, 'query Broken { steps { nodez } }\n');
    const invalid = await build([bad, '--out', path.join(dir, 'never.json')]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Cannot query field "nodez" on type "StepConnection"');
  });
});

describe('trusted-documents mode', () => {
  it('runs a document sent by id, as documentId or as an Apollo persisted-query hash', async () => {
    const byId = await postGraphQL(http.url, tenant.key, { documentId: `sha256:${idOf('OneStep')}`, variables: { id: stepId } });
    expect(byId.json).toEqual({ data: { step: { id: stepId, model: 'gpt-4o-mini', status: 'SUCCESS', feedback: null, tags: [] } } });
    const apollo = await postGraphQL(http.url, tenant.key, {
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('NewestSteps') } },
      variables: { first: 1 },
    });
    expect(apollo.json.data.steps.totalCount).toBe(1);
    const get = await send(
      `${http.url}?documentId=${idOf('NewestSteps')}&variables=${encodeURIComponent('{"first":1}')}`,
      { headers: { authorization: `Bearer ${tenant.key}`, 'x-graphql-yoga-csrf': '1' } },
    );
    expect(get.json?.data?.steps.totalCount, get.text).toBe(1);
  });

  it('runs a trusted mutation', async () => {
    const response = await postGraphQL(http.url, tenant.key, {
      documentId: idOf('GiveFeedback'),
      variables: { input: { stepId, feedback: 'POSITIVE' } },
    });
    expect(response.json.data.setStepFeedback.step.feedback).toBe('POSITIVE');
  });

  it('guards a trusted mutation with an Idempotency-Key, and lets a trusted query with one run as usual', async () => {
    const key = { 'idempotency-key': `trusted-${stepId}` };
    const write = { documentId: idOf('GiveFeedback'), variables: { input: { stepId, tags: ['trusted-once'] } } };
    const first = await postGraphQL(http.url, tenant.key, write, key);
    expect(first.json.data.setStepFeedback.step.tags).toContain('trusted-once');
    const replay = await postGraphQL(http.url, tenant.key, write, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const readKey = { 'idempotency-key': `trusted-read-${stepId}` };
    const read = { documentId: idOf('OneStep'), variables: { id: stepId } };
    await postGraphQL(http.url, tenant.key, read, readKey);
    const again = await postGraphQL(http.url, tenant.key, read, readKey);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await t.db.sql.query(`SELECT 1 FROM gateway_idempotency_keys WHERE key = $1`, [readKey['idempotency-key']])).toEqual([]);
  });

  it('refuses any query text, even one the manifest holds, and runs nothing', async () => {
    const before = await t.db.sql.query('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
    for (const query of [
      manifest[idOf('NewestSteps')]!,
      '{ steps { totalCount } }',
      `mutation { setStepFeedback(input: { stepId: "${stepId}", feedback: NEGATIVE }) { step { id } } }`,
    ]) {
      const response = await postGraphQL(http.url, tenant.key, { query });
      expect(response.status).toBe(400);
      expect(codesOf(response)).toEqual(['PERSISTED_QUERY_ONLY']);
      expect(response.json.data).toBeUndefined();
    }
    expect(await t.db.sql.query('SELECT feedback, tags FROM steps WHERE id = $1', [stepId])).toEqual(before);
  });

  it("serves Letta's REST routes, whose operations are the gateway's own, while it runs trusted documents only", async () => {
    const list = await send(`${http.base}/v1/steps/?limit=5`, { headers: { authorization: `Bearer ${tenant.key}` } });
    expect(list.status).toBe(200);
    expect(list.json.map((step: { id: string }) => step.id)).toEqual([stepId]);
    const patched = await send(`${http.base}/v1/steps/${stepId}/feedback`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: '{"feedback": "positive"}',
    });
    expect(patched).toMatchObject({ status: 200, json: { id: stepId, feedback: 'positive' } });
  });

  it('refuses an unknown id and a request without one', async () => {
    const unknown = await postGraphQL(http.url, tenant.key, { documentId: documentId('{ steps { totalCount } }') });
    expect(unknown.status).toBe(400);
    expect(codesOf(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const none = await postGraphQL(http.url, tenant.key, { variables: {} });
    expect(codesOf(none)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
  });

  it('is set by TRUSTED_DOCUMENTS, and a manifest that is not one stops the start', async () => {
    expect(loadConfig({ TRUSTED_DOCUMENTS: manifestFile }).security.trustedDocuments).toBe(manifestFile);
    const tampered = path.join(dir, 'tampered.json');
    await writeFile(tampered, JSON.stringify({ [idOf('OneStep')]: '{ steps { totalCount } }' }));
    await expect(createTestGateway({ database: t.database, security: { trustedDocuments: tampered } })).rejects.toThrow(
      /TRUSTED_DOCUMENTS: .*tampered\.json has an entry whose id is not the sha256 of its document/,
    );
  });
});
