/**
 * The benchmark: `npm run bench`. See BENCHMARKS.md for what it measures and the latest figures.
 *
 *   npm run bench -- [--steps 100000] [--duration 20] [--warmup 5] [--connections 32] [--scenarios 1,2,5]
 *                    [--database-url postgres://...] [--plans] [--plan-steps 1000000] [--label name] [--no-report] [--profile]
 *                    [--no-baseline] [--section results]
 *                    [--events [--events-rate 50] [--events-seconds 60] [--events-subscribers 200] [--events-idle 1000]]
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
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, promisify } from 'node:util';

import pg from 'pg';

import { parseFlags } from '../src/cli.ts';
import { clusterDir, startPrivatePostgres } from './lib/private-postgres.ts';
import { ensureDataset, fixtures, MAIN_ORG } from './bench/dataset.ts';
import { drive, type LoadOptions } from './bench/load.ts';
import { recordPlans, type PlanReport } from './bench/plans.ts';
import { startProcess, stopAll } from './bench/processes.ts';
import { eventsSection, resultsSection, statsSection, writeReport, type BenchResult, type ScenarioResult } from './bench/report.ts';
import { scenarios as defineScenarios } from './bench/scenarios.ts';
import { runStats, type StatsReport } from './bench/stats.ts';
import { runEvents, type EventsReport } from './bench/events.ts';

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
  /** Also the aggregate scenarios (10, 11), over the --plan-steps dataset with its statistics built. */
  stats: flags.stats === 'true',
  planSteps: Number(flags['plan-steps'] ?? 1_000_000),
  label: flags.label ?? 'default',
  report: flags['no-report'] !== 'true',
  /** Writes a CPU profile of the gateway to bench/.data/profiles when it stops. */
  profile: flags.profile === 'true',
  baseline: flags['no-baseline'] !== 'true',
  /** Which results table of BENCHMARKS.md the run goes to (`<!-- bench:<section>:start -->`). */
  section: flags.section ?? 'results',
  /** Live updates under load (scripts/bench/events.ts), over the main dataset. */
  events: flags.events === 'true',
  eventsRate: Number(flags['events-rate'] ?? 50),
  eventsSeconds: Number(flags['events-seconds'] ?? 60),
  eventsSubscribers: Number(flags['events-subscribers'] ?? 200),
  eventsIdle: Number(flags['events-idle'] ?? 1000),
};
if (![options.steps, options.duration, options.warmup, options.connections, options.planSteps].every((n) => Number.isFinite(n) && n >= 0)) {
  process.stderr.write('usage: npm run bench -- [--steps 100000] [--duration 20] [--warmup 5] [--connections 32] [--scenarios 1,2,5] [--plans]\n');
  process.exit(2);
}

const BENCH_DATABASE = 'steps_bench';
const PLANS_DATABASE = 'steps_plans';
const started = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

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

log('building the gateway (npm run build)');
await promisify(execFile)('npm', ['run', 'build'], { cwd: root });

/** The gateway's environment over a dataset: production mode, no rate limit, the migrations already applied. */
const gatewayEnv = (url: string) => ({
  DATABASE_URL: url,
  HOST: '127.0.0.1',
  PORT: '0',
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  // A benchmark is one client sending as fast as it can: the per-key rate limit would refuse it.
  RATE_LIMIT_PER_MINUTE: '0',
  MIGRATE_ON_START: 'false',
});
const profileArgs = options.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(root, 'bench/.data/profiles')] : [];
async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

let dataset: Record<string, number> = {};
const results: ScenarioResult[] = [];
const mainScenarios = options.scenarios === undefined || options.scenarios.some((id) => id < 10);
if (mainScenarios) {
  const benchUrl = await ensureDataset(admin, databaseUrl, log, BENCH_DATABASE, { steps: options.steps, stepsOnly: false });

  // ---------------------------------------------------------------------------------------------------------
  // Fixtures: the values the scenarios' requests draw from.

  const { fixtures: values, key, apiKeyId, dataset: counted } = await fixtures(benchUrl);
  dataset = counted;

  // The gateway (production build) and the baseline, each a process of its own.
  const gateway = await startProcess(root, [...profileArgs, '--enable-source-maps', 'dist/src/main.js'], gatewayEnv(benchUrl), /running at (http:\/\/\S+\/graphql)/);
  const baseline = await startProcess(root, ['--import', 'tsx', 'scripts/bench/baseline.ts'], { DATABASE_URL: benchUrl, ORGANIZATION_ID: MAIN_ORG, API_KEY_ID: apiKeyId }, /baseline at (http:\/\/\S+)/);
  log(`gateway at ${gateway.url} (pid ${gateway.child.pid}), baseline at ${baseline.url}`);

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const load: LoadOptions = {
    connections: options.connections,
    duration: options.duration,
    warmup: options.warmup,
    headers,
    statements: statementsCounted ? { admin, database: BENCH_DATABASE } : null,
  };
  const all = defineScenarios(values);
  const chosen = options.scenarios ? all.filter((scenario) => options.scenarios!.includes(scenario.id)) : all;
  for (const scenario of chosen) {
    // Before load: the request must succeed, and the baseline must answer the very same data.
    const sample = scenario.next();
    const checked = await post(gateway.url, sample, headers);
    if (checked.status !== 200 || checked.body.errors !== undefined) {
      throw new Error(`scenario ${scenario.id} fails: ${JSON.stringify(checked.body).slice(0, 500)}`);
    }
    log(`scenario ${scenario.id}: ${scenario.title}`);
    const measured = await drive(load, gateway.url, scenario.next, gateway.child.pid!);
    log(`  gateway:  ${measured.requestsPerSecond} req/s, p50 ${measured.latencyMs.p50} ms, p99 ${measured.latencyMs.p99} ms, ` +
      `${measured.statementsPerRequest ?? 'n/a'} statements/request, ${measured.errors} errors, RSS peak ${measured.rssMb.peak} MB`);
    const result: ScenarioResult = { id: scenario.id, name: scenario.name, title: scenario.title, gateway: measured };
    if (scenario.baseline !== undefined && options.baseline) {
      const endpoint = `${baseline.url}/${scenario.baseline}`;
      // A write is compared once it is applied (the load may have changed what the sample writes: it is sent
      // twice), so that both answer what the entry then holds (see Scenario.writes).
      const expected = scenario.writes ? await post(gateway.url, sample, headers).then(() => post(gateway.url, sample, headers)) : checked;
      const answer = await post(endpoint, sample, headers);
      if (!isDeepStrictEqual(answer.body, expected.body)) {
        await mkdir(path.join(root, 'bench/.data'), { recursive: true });
        await writeFile(path.join(root, 'bench/.data/mismatch.json'), JSON.stringify({ gateway: expected.body, baseline: answer.body }, null, 2));
        throw new Error(`the baseline of scenario ${scenario.id} does not answer what the gateway does (see bench/.data/mismatch.json)`);
      }
      const base = await drive(load, endpoint, scenario.next, baseline.child.pid!);
      log(`  baseline: ${base.requestsPerSecond} req/s, p50 ${base.latencyMs.p50} ms, p99 ${base.latencyMs.p99} ms, ${base.statementsPerRequest ?? 'n/a'} statements/request`);
      result.baseline = base;
    }
    results.push(result);
  }
}

let stats: StatsReport | undefined;
if (options.stats) {
  const statsUrl = await ensureDataset(admin, databaseUrl, log, PLANS_DATABASE, { steps: options.planSteps, stepsOnly: true });
  stats = await runStats({ url: statsUrl, log, start: (url) => startProcess(root, ['--enable-source-maps', 'dist/src/main.js'], gatewayEnv(url), /running at (http:\/\/\S+\/graphql)/),
    startBaseline: (url, apiKeyId) => startProcess(root, ['--import', 'tsx', 'scripts/bench/baseline.ts'], { DATABASE_URL: url, ORGANIZATION_ID: MAIN_ORG, API_KEY_ID: apiKeyId }, /baseline at (http:\/\/\S+)/),
    post, duration: options.duration, warmup: options.warmup, connections: options.connections, scenarios: options.scenarios,
    statements: statementsCounted ? { admin, database: PLANS_DATABASE } : null });
  if (!mainScenarios) dataset = stats.dataset;
}

await stopAll();
if (options.profile) log('wrote a CPU profile of the gateway under bench/.data/profiles');

let events: EventsReport | undefined;
if (options.events) {
  const benchUrl = await ensureDataset(admin, databaseUrl, log, BENCH_DATABASE, { steps: options.steps, stepsOnly: false });
  const { key, dataset: counted } = await fixtures(benchUrl);
  if (Object.keys(dataset).length === 0) dataset = counted;
  events = await runEvents({
    url: benchUrl,
    key,
    log,
    root,
    start: (env) => startProcess(root, ['--enable-source-maps', 'dist/src/main.js'], { ...gatewayEnv(benchUrl), ...env }, /running at (http:\/\/\S+\/graphql)/),
    rate: options.eventsRate,
    seconds: options.eventsSeconds,
    subscribers: options.eventsSubscribers,
    idle: options.eventsIdle,
  });
}

let plans: PlanReport | undefined;
if (options.plans) {
  const plansUrl = await ensureDataset(admin, databaseUrl, log, PLANS_DATABASE, { steps: options.planSteps, stepsOnly: true });
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
  ...(stats ? { stats } : {}),
  ...(events ? { events } : {}),
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
process.stdout.write(
  `\n${results.length > 0 ? `${resultsSection(bench)}\n\n` : ''}${stats ? `${statsSection(stats, bench.date)}\n\n` : ''}${events ? `${eventsSection(events, bench.date)}\n\n` : ''}`,
);
log(`done in ${bench.durationSeconds} s`);
// A run with failed requests measured something other than the scenarios: it does not count.
const failedRequests = results.reduce((sum, result) => sum + result.gateway.errors + (result.baseline?.errors ?? 0), 0);
if (failedRequests > 0) {
  log(`${failedRequests} requests failed: the figures are not valid`);
  process.exitCode = 1;
}
// So does a run in which a subscriber missed, repeated or reordered an event.
if (events !== undefined && events.lost + events.repeated + events.outOfOrder + events.errors.length > 0) {
  log('events were lost, repeated or out of order, or subscribers got errors');
  process.exitCode = 1;
}
