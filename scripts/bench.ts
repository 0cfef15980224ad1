/**
 * The benchmark: `npm run bench`. See BENCHMARKS.md for what it measures and the latest figures.
 *
 *   npm run bench -- [--steps 100000] [--duration 20] [--warmup 5] [--connections 32] [--scenarios 1,2,5]
 *                    [--database-url postgres://...] [--plans] [--plan-steps 1000000] [--label name] [--no-report] [--profile]
 *                    [--no-baseline] [--section results]
 *
 * 1. Starts a Postgres cluster of its own (pg_stat_statements loaded, so that statements
 *    are counted by Postgres itself), unless --database-url names a server to use instead.
 * 2. Seeds the dataset with the seeding tool, or reuses it when one of the same size is already there.
 * 3. Builds the gateway, starts it as a process of its own in production mode, and starts the hand-written
 *    SQL baseline (scripts/bench/baseline.ts) beside it.
 * 4. For each scenario: a warm-up, then a fixed number of connections for a fixed time with autocannon;
 *    records requests per second, latency percentiles, SQL statements per request and the gateway's memory.
 * 5. Writes bench/results/<date>-<label>.json and the results table of BENCHMARKS.md.
 * With --plans, it also seeds a second database of --plan-steps steps and records the query plan of every
 * step filter (scripts/bench/plans.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, promisify } from 'node:util';

import autocannon from 'autocannon';
import pg from 'pg';

import { createKey } from '../src/auth/api-keys.ts';
import { parseFlags } from '../src/cli.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { seed } from '../src/db/seed.ts';
import { createCursors } from '../src/cursors.ts';
import { readCursorSecret } from '../src/db/secrets.ts';
import { rssMb } from './lib/memory.ts';
import { clusterDir, startPrivatePostgres } from './lib/private-postgres.ts';
import { recordPlans, type PlanReport } from './bench/plans.ts';
import { resultsSection, writeReport, type BenchResult, type ScenarioResult } from './bench/report.ts';
import { scenarios as defineScenarios, type Fixtures } from './bench/scenarios.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The benchmark's Postgres cluster, kept between runs (with its dataset) outside the checkout. */
const benchClusterDir = clusterDir('bench', root);
const { flags } = parseFlags(process.argv.slice(2));
const options = {
  steps: Number(flags.steps ?? 100_000),
  duration: Number(flags.duration ?? 20),
  warmup: Number(flags.warmup ?? 5),
  connections: Number(flags.connections ?? 32),
  scenarios: flags.scenarios?.split(',').map(Number),
  databaseUrl: flags['database-url'],
  plans: flags.plans === 'true',
  planSteps: Number(flags['plan-steps'] ?? 1_000_000),
  label: flags.label ?? 'default',
  report: flags['no-report'] !== 'true',
  /** Writes a CPU profile of the gateway to bench/.data/profiles when it stops. */
  profile: flags.profile === 'true',
  baseline: flags['no-baseline'] !== 'true',
  /** Which results table of BENCHMARKS.md the run goes to (`<!-- bench:<section>:start -->`). */
  section: flags.section ?? 'results',
};
if (![options.steps, options.duration, options.warmup, options.connections, options.planSteps].every((n) => Number.isFinite(n) && n >= 0)) {
  process.stderr.write('usage: npm run bench -- [--steps 100000] [--duration 20] [--warmup 5] [--connections 32] [--scenarios 1,2,5] [--plans]\n');
  process.exit(2);
}

const SEED = 1;
/** Bumped whenever the seeding tool writes different rows, so that an old dataset is not reused. */
const DATASET_VERSION = 3;
const BENCH_DATABASE = 'steps_bench';
const PLANS_DATABASE = 'steps_plans';
const MAIN_ORG = 'org-00000000-0000-4000-8000-0000000be4c1';
const started = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

/** The organizations of a dataset: one holding 70% of the steps (the one the scenarios query), three sharing the rest. */
function organizations(steps: number) {
  const main = Math.round(steps * 0.7);
  const others = [0, 1, 2].map((i) => ({ id: `org-00000000-0000-4000-8000-0000000be4c${i + 2}`, steps: Math.floor((steps - main) / 3) }));
  return [{ id: MAIN_ORG, steps: main }, ...others];
}

// ---------------------------------------------------------------------------------------------------------
// Postgres: a cluster of our own, or the server given.

let cluster: Awaited<ReturnType<typeof startPrivatePostgres>> | undefined;
let serverUrl: string;
if (options.databaseUrl === undefined) {
  log(`starting Postgres under ${benchClusterDir}`);
  cluster = await startPrivatePostgres({
    dir: benchClusterDir,
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'top',
      shared_buffers: '1GB',
      effective_cache_size: '4GB',
      work_mem: '16MB',
      maintenance_work_mem: '512MB',
      max_wal_size: '4GB',
      // Durability costs the same for the gateway and the baseline; the benchmark measures neither.
      synchronous_commit: 'off',
    },
  });
  serverUrl = cluster.url;
} else {
  serverUrl = options.databaseUrl;
}
const databaseUrl = (name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const statementsCounted = await admin
  .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  .then(() => admin.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
  .then(() => true)
  .catch(() => false);
if (!statementsCounted) log('pg_stat_statements is not loaded on this server: statements per request are not counted');
const serverVersion = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;

/** Creates a database of a dataset and seeds it, unless one of the same description is already there. */
async function ensureDataset(name: string, description: { steps: number; stepsOnly: boolean }) {
  const wanted = JSON.stringify({ ...description, seed: SEED, version: DATASET_VERSION });
  const url = databaseUrl(name);
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount! > 0;
  if (exists) {
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const found = await probe
      .query<{ description: string }>('SELECT description FROM bench_dataset')
      .then((result) => result.rows[0]?.description)
      .catch(() => undefined);
    await probe.end();
    if (found === wanted) {
      log(`reusing the dataset in ${name} (${description.steps.toLocaleString('en-US')} steps)`);
      // The gateway starts with MIGRATE_ON_START=false: bring a dataset seeded by an older version up to date.
      const db = openPostgres({ url, poolMax: 1, connectionTimeoutMs: 10_000, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrate(db.sql);
        if (applied.length > 0) {
          log(`applied ${applied.join(', ')}; VACUUM ANALYZE`);
          await db.sql.exec('VACUUM ANALYZE');
          await db.sql.exec('CHECKPOINT');
        }
      } finally {
        await db.close();
      }
      return url;
    }
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  const db = openPostgres({ url, poolMax: 2, connectionTimeoutMs: 10_000, statementTimeoutMs: 3_600_000 });
  try {
    await migrate(db.sql);
    const seedStarted = Date.now();
    let done = 0;
    for (const organization of organizations(description.steps)) {
      await seed(db.sql, {
        organizationId: organization.id,
        organizationName: organization.id,
        steps: organization.steps,
        seed: SEED,
        stepsOnly: description.stepsOnly,
        batchSize: description.stepsOnly ? 5000 : 1000,
        onProgress: (count, total) => {
          const all = done + count;
          const rate = all / ((Date.now() - seedStarted) / 1000);
          if (count === total || count % (description.stepsOnly ? 50_000 : 10_000) === 0) {
            log(`seeded ${all.toLocaleString('en-US')}/${description.steps.toLocaleString('en-US')} steps, ${Math.round(rate)}/s, ` +
              `about ${Math.round((description.steps - all) / rate)} s left`);
          }
        },
      });
      done += organization.steps;
    }
    log('VACUUM ANALYZE');
    await db.sql.exec('VACUUM ANALYZE');
    // Written out now, so that no checkpoint of the seeding's writes lands in a measured run.
    await db.sql.exec('CHECKPOINT');
    await db.sql.exec(`CREATE TABLE bench_dataset (description text NOT NULL)`);
    await db.sql.query('INSERT INTO bench_dataset VALUES ($1)', [wanted]);
  } finally {
    await db.close();
  }
  return url;
}

const benchUrl = await ensureDataset(BENCH_DATABASE, { steps: options.steps, stepsOnly: false });

// ---------------------------------------------------------------------------------------------------------
// Fixtures: the values the scenarios' requests draw from.

async function fixtures(): Promise<{ fixtures: Fixtures; key: string; dataset: Record<string, number> }> {
  const db = openPostgres({ url: benchUrl, poolMax: 2, connectionTimeoutMs: 10_000, statementTimeoutMs: 600_000 });
  try {
    const query = <Row>(text: string, params: unknown[] = []) => db.sql.query<Row>(text, params);
    const steps = await query<{ id: string }>(
      `SELECT id FROM steps WHERE organization_id = $1 ORDER BY md5(id) LIMIT 2000`, [MAIN_ORG]);
    const agents = await query<{ agent_id: string }>(`SELECT DISTINCT agent_id FROM steps WHERE organization_id = $1 ORDER BY 1`, [MAIN_ORG]);
    const [{ n: total } = { n: 0 }] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM steps WHERE organization_id = $1`, [MAIN_ORG]);
    const deepOffset = Math.min(50_000, Math.max(total - 51, 0));
    const [deep] = await query<{ created_at: string; id: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, id FROM steps
        WHERE organization_id = $1 AND NOT is_deleted ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, [MAIN_ORG, deepOffset - 1]);
    const [range] = await query<{ after: Date; before: Date }>(
      `SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY created_at) AS after, percentile_disc(0.75) WITHIN GROUP (ORDER BY created_at) AS before
         FROM steps WHERE organization_id = $1`, [MAIN_ORG]);
    const [counts] = await query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM steps) AS steps, (SELECT count(*)::int FROM messages) AS messages,
              (SELECT count(*)::int FROM provider_traces) AS traces, (SELECT count(*)::int FROM step_metrics) AS metrics,
              (SELECT count(*)::int FROM organizations) AS organizations, $1::int AS "mainOrganizationSteps"`, [total]);
    const { key } = await createKey(db.prisma, MAIN_ORG, `bench ${new Date().toISOString()}`);
    return {
      key,
      dataset: counts!,
      fixtures: {
        stepIds: steps.map((row) => row.id),
        agentIds: agents.map((row) => row.agent_id),
        deepCursor: createCursors(await readCursorSecret(db.sql)).encode('steps:desc', { createdAt: deep!.created_at, id: deep!.id }),
        deepOffset,
        createdAfter: range!.after.toISOString(),
        createdBefore: range!.before.toISOString(),
        negativeTags: ['hallucination', 'slow', 'wrong-tool', 'formatting', 'regression', 'needs-review'],
      },
    };
  } finally {
    await db.close();
  }
}

const { fixtures: values, key, dataset } = await fixtures();

// ---------------------------------------------------------------------------------------------------------
// The gateway (production build) and the baseline, each a process of its own.

log('building the gateway (npm run build)');
await promisify(execFile)('npm', ['run', 'build'], { cwd: root });

const children: ChildProcess[] = [];
async function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = output.match(ready);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
  return { child, url };
}
async function stopAll() {
  const exits = children.filter((child) => child.exitCode === null).map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(exits);
}
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

const gatewayEnv = {
  DATABASE_URL: benchUrl,
  HOST: '127.0.0.1',
  PORT: '0',
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  // A benchmark is one client sending as fast as it can: the per-key rate limit would refuse it.
  RATE_LIMIT_PER_MINUTE: '0',
  MIGRATE_ON_START: 'false',
};
const profileArgs = options.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(root, 'bench/.data/profiles')] : [];
const gateway = await startProcess([...profileArgs, '--enable-source-maps', 'dist/src/main.js'], gatewayEnv, /running at (http:\/\/\S+\/graphql)/);
const baseline = await startProcess(['--import', 'tsx', 'scripts/bench/baseline.ts'], { DATABASE_URL: benchUrl, ORGANIZATION_ID: MAIN_ORG }, /baseline at (http:\/\/\S+)/);
log(`gateway at ${gateway.url} (pid ${gateway.child.pid}), baseline at ${baseline.url}`);

const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
async function post(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

/** The statements Postgres ran for the benchmark database since the last reset: how many, and the dearest. */
async function statementStats(): Promise<{ count: number; keyLookups: number; top: { query: string; calls: number; meanMs: number }[] } | null> {
  if (!statementsCounted) return null;
  const { rows } = await admin.query<{ query: string; calls: string; mean: number }>(
    `SELECT query, calls, mean_exec_time AS mean FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY total_exec_time DESC`,
    [BENCH_DATABASE],
  );
  return {
    count: rows.reduce((sum, row) => sum + Number(row.calls), 0),
    // API key lookups: one per key every API_KEY_CACHE_MS, whatever the query.
    keyLookups: rows.filter((row) => row.query.includes('gateway_api_keys')).reduce((sum, row) => sum + Number(row.calls), 0),
    top: rows.slice(0, 3).map((row) => ({ query: row.query.replace(/\s+/g, ' ').slice(0, 160), calls: Number(row.calls), meanMs: Math.round(row.mean * 100) / 100 })),
  };
}
const resetStatements = async () => {
  if (statementsCounted) await admin.query('SELECT pg_stat_statements_reset()');
};

/** Drives `url` with autocannon: a warm-up, then the measured run; statements are counted over the measured run only. */
async function drive(url: string, next: () => unknown, pid: number) {
  let issued = 0;
  const run = (duration: number, latencies: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          method: 'POST',
          headers,
          connections: options.connections,
          duration,
          requests: [
            {
              setupRequest: (request) => {
                issued += 1;
                return { ...request, body: JSON.stringify(next()) };
              },
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      // Every response's latency, for exact percentiles (autocannon's summary has no p95).
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
  if (options.warmup > 0) await run(options.warmup, []);
  // The warm-up's last requests finish before counting starts, and the run's last ones before it ends.
  await settle();
  await resetStatements();
  issued = 0;
  const memory: number[] = [rssMb(pid)];
  const sampler = setInterval(() => memory.push(rssMb(pid)), 1000);
  const latencies: number[] = [];
  const result = await run(options.duration, latencies);
  clearInterval(sampler);
  memory.push(rssMb(pid));
  await settle();
  const statements = await statementStats();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN) * 10) / 10;
  const requests = latencies.length;
  return {
    requests,
    requestsPerSecond: Math.round((requests / options.duration) * 10) / 10,
    latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: Math.round((latencies.at(-1) ?? NaN) * 10) / 10 },
    errors: result.errors + result.timeouts + result.non2xx,
    // Per request sent: the requests still in flight when the run stopped ran their statements too.
    statementsPerRequest: statements === null || issued === 0 ? null : Math.round((statements.count / issued) * 100) / 100,
    queryStatementsPerRequest:
      statements === null || issued === 0 ? null : Math.round(((statements.count - statements.keyLookups) / issued) * 100) / 100,
    topStatements: statements?.top ?? [],
    rssMb: { start: memory[0]!, peak: Math.max(...memory), end: memory.at(-1)! },
  };
}

const all = defineScenarios(values);
const chosen = options.scenarios ? all.filter((scenario) => options.scenarios!.includes(scenario.id)) : all;
const results: ScenarioResult[] = [];
for (const scenario of chosen) {
  // Before load: the request must succeed, and the baseline must answer the very same data.
  const sample = scenario.next();
  const checked = await post(gateway.url, sample);
  if (checked.status !== 200 || checked.body.errors !== undefined) {
    throw new Error(`scenario ${scenario.id} fails: ${JSON.stringify(checked.body).slice(0, 500)}`);
  }
  log(`scenario ${scenario.id}: ${scenario.title}`);
  const measured = await drive(gateway.url, scenario.next, gateway.child.pid!);
  log(`  gateway:  ${measured.requestsPerSecond} req/s, p50 ${measured.latencyMs.p50} ms, p99 ${measured.latencyMs.p99} ms, ` +
    `${measured.statementsPerRequest ?? 'n/a'} statements/request, ${measured.errors} errors, RSS peak ${measured.rssMb.peak} MB`);
  const result: ScenarioResult = { id: scenario.id, name: scenario.name, title: scenario.title, gateway: measured };
  if (scenario.baseline !== undefined && options.baseline) {
    const endpoint = `${baseline.url}/${scenario.baseline}`;
    const answer = await post(endpoint, sample);
    if (!isDeepStrictEqual(answer.body, checked.body)) {
      await writeFile(path.join(root, 'bench/.data/mismatch.json'), JSON.stringify({ gateway: checked.body, baseline: answer.body }, null, 2));
      throw new Error(`the baseline of scenario ${scenario.id} does not answer what the gateway does (see bench/.data/mismatch.json)`);
    }
    const base = await drive(endpoint, scenario.next, baseline.child.pid!);
    log(`  baseline: ${base.requestsPerSecond} req/s, p50 ${base.latencyMs.p50} ms, p99 ${base.latencyMs.p99} ms, ${base.statementsPerRequest ?? 'n/a'} statements/request`);
    result.baseline = base;
  }
  results.push(result);
}

await stopAll();
if (options.profile) log('wrote a CPU profile of the gateway under bench/.data/profiles');

let plans: PlanReport | undefined;
if (options.plans) {
  const plansUrl = await ensureDataset(PLANS_DATABASE, { steps: options.planSteps, stepsOnly: true });
  log('recording query plans');
  plans = await recordPlans(plansUrl, MAIN_ORG);
}
await admin.end();
if (cluster !== undefined) await cluster.stop('fast');

const versions = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
const version = (name: string) => versions.packages[`node_modules/${name}`]?.version ?? 'unknown';
const bench: BenchResult = {
  date: new Date().toISOString(),
  label: options.label,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()}` },
  versions: {
    node: process.version,
    postgres: serverVersion,
    graphqlYoga: version('graphql-yoga'),
    graphql: version('graphql'),
    prisma: version('@prisma/client'),
    pothos: version('@pothos/core'),
    autocannon: version('autocannon'),
  },
  options: { steps: options.steps, duration: options.duration, warmup: options.warmup, connections: options.connections },
  dataset,
  scenarios: results,
  ...(plans ? { plans } : {}),
  durationSeconds: Math.round((Date.now() - started) / 1000),
};
await mkdir(path.join(root, 'bench/results'), { recursive: true });
const file = path.join(root, 'bench/results', `${bench.date.slice(0, 10)}-${options.label}.json`);
await writeFile(file, `${JSON.stringify(bench, null, 2)}\n`);
log(`wrote ${path.relative(root, file)}`);
if (options.report) {
  await writeReport(path.join(root, 'BENCHMARKS.md'), bench, options.section);
  log('updated BENCHMARKS.md');
}
process.stdout.write(`\n${resultsSection(bench)}\n\n`);
log(`done in ${bench.durationSeconds} s`);
// A run with failed requests measured something other than the scenarios: it does not count.
const failedRequests = results.reduce((sum, result) => sum + result.gateway.errors + (result.baseline?.errors ?? 0), 0);
if (failedRequests > 0) {
  log(`${failedRequests} requests failed: the figures are not valid`);
  process.exitCode = 1;
}
