import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEmptyDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';
import { startGateway } from './helpers/process.ts';
import { redisUrl } from './helpers/redis.ts';

/**
 * The commands a user runs (npm start, db:seed, apikey), as separate processes against a database of their
 * own: a fresh Postgres database, or embedded Postgres in a temporary DATA_DIR.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = path.join(root, 'node_modules/.bin/tsx');
const ORG = 'org-00000000-0000-4000-8000-0000000000c1';

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-process-'));
  const base = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' } as Record<string, string>;
  if (onPostgres) {
    database = await createEmptyDatabase();
    env = { ...base, DATABASE_URL: database.url! };
  } else {
    env = { ...base, DATABASE_URL: '' };
  }
});
afterAll(async () => {
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

function run(script: string, args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(tsx, [script, ...args], { cwd: root, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('command-line tools', { timeout: 120_000 }, () => {
  it('migrate a database', async () => {
    const first = await run('scripts/migrate.ts', []);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied: \d+_init|The database is up to date/);
    const again = await run('scripts/migrate.ts', []);
    expect(again.stdout).toContain('The database is up to date.');
  });

  it('seed, then create, list and revoke API keys', async () => {
    const seeded = await run('scripts/seed.ts', ['--org', ORG, '--steps', '25', '--seed', '5']);
    expect(seeded.stdout + seeded.stderr).toMatch(/Seeded .*: 25 steps, \d+ messages, \d+ traces, \d+ metrics/);
    expect(seeded.stderr).toContain('seeded 25/25 steps');
    expect(seeded.code).toBe(0);

    const created = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--name', 'ci']);
    expect(created.code).toBe(0);
    const id = created.stdout.match(/Created API key (apikey-[\w-]+)/)?.[1];
    const key = created.stdout.match(/Key \(shown once, store it now\): (sgw_\S+)/)?.[1];
    expect(id).toBeDefined();
    expect(key).toBeDefined();

    const listed = await run('src/auth/apikey-cli.ts', ['list']);
    expect(listed.stdout).toContain(`${id}  ${ORG}`);
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(key!);

    const revoked = await run('src/auth/apikey-cli.ts', ['revoke', id!]);
    expect(revoked.stdout).toContain(`Revoked ${id}`);
    expect((await run('src/auth/apikey-cli.ts', ['list'])).stdout).toMatch(/revoked \d{4}-/);

    const expiring = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--expires', '30d']);
    expect(expiring.stdout).toMatch(/, expiring \d{4}-\d{2}-\d{2}T/);
    expect((await run('src/auth/apikey-cli.ts', ['list'])).stdout).toMatch(/active until \d{4}-/);
    const badExpiry = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--expires', 'soon']);
    expect(badExpiry.code).toBe(1);
    expect(badExpiry.stderr).toContain('--expires must be a duration');

    const unknownOrg = await run('src/auth/apikey-cli.ts', ['create', '--org', 'org-missing']);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('Organization org-missing does not exist.');
  });
});

describe('npm start', { timeout: 120_000 }, () => {
  it('stops with a message naming each bad setting', async () => {
    const result = await run('src/main.ts', [], { PORT: 'http', DB_POOL_MAX: '-3' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT must be an integer');
    expect(result.stderr).toContain('DB_POOL_MAX must be an integer');
  });

  it('stops with a clear message when the port is taken, releasing the database', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await run('src/main.ts', [], { PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      if (!onPostgres) expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('starts, serves queries with a key, reports ready, and exits 0 on SIGTERM', async () => {
    const gateway = await startGateway({ ...env, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100', REDIS_URL: redisUrl, NODE_ENV: 'production' });
    const { child, url } = gateway;
    const stderr = gateway.stderr();
    try {
      const base = url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // The embedded demo prints its key; on Postgres, a key is made with the apikey command.
      const demoKey = stderr.match(/Demo API key: (sgw_\S+)/)?.[1];
      expect(demoKey !== undefined).toBe(!onPostgres);
      const key = demoKey ?? (await run('src/auth/apikey-cli.ts', ['create', '--org', ORG])).stdout.match(/(sgw_\S+)/)![1]!;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ steps(first: 2) { totalCount nodes { id } } }' }),
      });
      const body = (await response.json()) as { data: { steps: { totalCount: number; nodes: unknown[] } } };
      expect(body.data.steps.nodes).toHaveLength(2);
      // The protections are wired from the environment: rate limits (through Redis), introspection off in production.
      expect(response.headers.get('ratelimit-limit')).toBe('100');
      const introspection = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
      });
      expect(JSON.stringify(await introspection.json())).toContain('introspection');
      const listening = gateway.stdout().split('\n').find((line) => line.includes('gateway listening'));
      expect(JSON.parse(listening!)).toMatchObject({ introspection: false, trustedDocuments: false });
      if (!onPostgres) {
        // Embedded Postgres belongs to the running gateway: a second process is refused, not let in to diverge.
        const refused = await run('src/auth/apikey-cli.ts', ['list']);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/is in use by process \d+/);
      }
      if (demoKey !== undefined) {
        const graphiql = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
        expect(graphiql).toContain(`Bearer ${demoKey}`);
      }
    } finally {
      child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
    }
  });

  it('keeps serving after an unhandled rejection and an uncaught exception, and logs both', async () => {
    const { child, url, exited, stdout } = await startGateway({ ...env, LOG_LEVEL: 'info' }, ['./test/fixtures/fail-later.mjs']);
    try {
      const base = url.replace(/\/graphql$/, '');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(stdout()).toContain('"msg":"unhandled rejection"');
      expect(stdout()).toContain('"msg":"uncaught exception"');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
