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
import { NEEDS_EMBEDDED } from './helpers/requirements.ts';

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

    const forUsers = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--name', 'review app', '--on-behalf-of-users']);
    expect(forUsers.stdout).toMatch(/Created API key apikey-[\w-]+ for \S+, allowed on-behalf-of-users\./);
    expect((await run('src/auth/apikey-cli.ts', ['list'])).stdout).toMatch(/review app .* active {2}on-behalf-of-users/);

    const expiring = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--expires', '30d']);
    expect(expiring.stdout).toMatch(/, expiring \d{4}-\d{2}-\d{2}T/);
    expect((await run('src/auth/apikey-cli.ts', ['list'])).stdout).toMatch(/active until \d{4}-/);
    const badExpiry = await run('src/auth/apikey-cli.ts', ['create', '--org', ORG, '--expires', 'soon']);
    expect(badExpiry.code).toBe(1);
    expect(badExpiry.stderr).toContain('--expires must be a duration');

    const unknownOrg = await run('src/auth/apikey-cli.ts', ['create', '--org', 'org-missing']);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('Organization org-missing does not exist. Pass --create-org to create it');
    expect(unknownOrg.stderr).toContain(ORG);
    const withOrg = await run('src/auth/apikey-cli.ts', ['create', '--org', 'org-new-team', '--create-org', '--org-name', 'New team']);
    expect(withOrg.code).toBe(0);
    expect(withOrg.stdout).toContain('Created organization org-new-team.');
    expect(withOrg.stdout).toMatch(/Key \(shown once, store it now\): sgw_/);
    expect((await run('src/auth/apikey-cli.ts', ['orgs'])).stdout).toContain('org-new-team  New team');
  });

  it('explain themselves: usage without a database, and what to run on a database that is not migrated', async () => {
    const help = await run('src/auth/apikey-cli.ts', ['--help'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm run apikey -- create --org');
    const empty = await createEmptyDatabase();
    try {
      const dataDirOfItsOwn = await mkdtemp(path.join(tmpdir(), 'steps-gateway-unmigrated-'));
      const listed = await run('src/auth/apikey-cli.ts', ['list'], onPostgres ? { DATABASE_URL: empty.url! } : { DATA_DIR: dataDirOfItsOwn });
      expect(listed.code).toBe(1);
      expect(listed.stderr.trim()).toBe('The database is not set up for the gateway: run "npm run db:migrate" first (starting the gateway also applies them).');
      await rm(dataDirOfItsOwn, { recursive: true, force: true });
    } finally {
      await empty.drop();
    }
    const unreachable = await run('src/auth/apikey-cli.ts', ['list'], { DATABASE_URL: 'postgresql://someone:hunter2@127.0.0.1:1/steps' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toBe('Cannot reach the database at 127.0.0.1:1/steps (ECONNREFUSED): is Postgres running there, and is DATABASE_URL right?');
  });
});

describe('npm start', { timeout: 120_000 }, () => {
  it('stops with a message naming each bad setting', async () => {
    const result = await run('src/main.ts', [], { PORT: 'http', DB_POOL_MAX: '-3' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT must be an integer');
    expect(result.stderr).toContain('DB_POOL_MAX must be an integer');
  });

  it('stops at once, in one line, when the port is taken: before it opens, migrates or seeds a database', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const fresh = path.join(dataDir, 'never-made');
    try {
      const result = await run('src/main.ts', [], { PORT: String(port), DATA_DIR: fresh });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`Cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE). Set PORT or HOST to another value.`);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('stops in one line, without a stack or a password, when the database cannot be reached', async () => {
    const result = await run('src/main.ts', [], { PORT: '0', DATABASE_URL: 'postgresql://someone:hunter2@127.0.0.1:1/steps' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Cannot reach the database at 127.0.0.1:1/steps (ECONNREFUSED): is Postgres running there, and is DATABASE_URL right?');
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
      // GraphiQL is off in production unless GRAPHIQL=true.
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(((await page.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain('GRAPHIQL=true');
    } finally {
      child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
    }
  });

  it.runIf(!onPostgres)(`fills the demo key into GraphiQL only when it listens on a loopback address ${NEEDS_EMBEDDED}`, async () => {
    for (const [host, filled] of [['127.0.0.1', true], ['0.0.0.0', false]] as const) {
      const gateway = await startGateway({ ...env, HOST: host });
      try {
        const key = gateway.stderr().match(/Demo API key: (sgw_\S+)/)![1]!;
        const page = await (await fetch(gateway.url.replace('0.0.0.0', '127.0.0.1'), { headers: { accept: 'text/html' } })).text();
        expect(page.includes(key), host).toBe(filled);
        expect(page).toContain('graphiql');
        if (!filled) expect(gateway.stderr()).toContain('without the key');
      } finally {
        gateway.child.kill('SIGTERM');
        await gateway.exited;
      }
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
