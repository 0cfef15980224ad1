/**
 * The aggregate scenarios (`npm run bench -- --stats`): the charts of a dashboard's first screen, asked of
 * `stepStats` over the 1,000,000-step dataset, each with a hand-written SQL baseline that answers the same from
 * the same tables (the gateway's pre-aggregated statistics), and a reference that computes it from Letta's own
 * tables (steps and step_metrics), as a client without pre-aggregates would.
 */

import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';

import pg from 'pg';

import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { rebuildStats } from '../../src/db/stats-tables.ts';
import { fixtures, MAIN_ORG } from './dataset.ts';
import { drive } from './load.ts';
import type { Measurement } from './report.ts';

export interface StatsScenario {
  id: number;
  name: string;
  title: string;
  /** The baseline's route, and the reference's (from Letta's tables). */
  baseline: string;
  reference: string;
  /** The days a request covers, ending at a random minute of the dataset's last 60 days (see statsScenarios). */
  days: number;
  next(): { query: string; variables: { filter: { createdAfter: string; createdBefore: string } } };
}

const BY_MODEL = `query TokensByModelPerDay($filter: StepFilter!) {
  stepStats(filter: $filter, groupBy: [MODEL], bucket: { unit: DAY }, first: 1000) {
    nodes { bucket model stats { count failedCount promptTokens { sum } completionTokens { sum } totalTokens { sum } stepMs { p95 } } }
  }
}`;

const YEAR = `query YearByDay($filter: StepFilter!) {
  stepStats(filter: $filter, bucket: { unit: DAY }, first: 1000) {
    nodes { bucket stats { count failedCount positiveFeedbackCount negativeFeedbackCount promptTokens { sum } completionTokens { sum } totalTokens { sum mean } } }
  }
}`;

const DAY_MS = 86_400_000;
const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export function statsScenarios(firstStepAt: Date, lastStepAt: Date): StatsScenario[] {
  // Windows end at a random minute (and second) of the last 60 days, or of the later half of a shorter dataset:
  // edges that fall within hours, as a dashboard's "now" does, and steps in every window.
  const latest = lastStepAt.getTime();
  const spread = Math.min(60 * DAY_MS, (latest - firstStepAt.getTime()) / 2);
  const window = (days: number) => {
    const end = latest - Math.floor(Math.random() * spread);
    return { createdAfter: micro(end - days * DAY_MS), createdBefore: micro(end) };
  };
  return [
    {
      id: 10,
      name: 'stats-30-days-by-model',
      title: '30 days by day and model: counts, failures, tokens and p95 step time',
      baseline: 'stats-by-model',
      reference: 'stats-by-model-raw',
      days: 30,
      next: () => ({ query: BY_MODEL, variables: { filter: window(30) } }),
    },
    {
      id: 11,
      name: 'stats-365-days',
      title: '365 days of the organization by day: counts, failures, feedback and tokens',
      baseline: 'stats-year',
      reference: 'stats-year-raw',
      days: 365,
      next: () => ({ query: YEAR, variables: { filter: window(365) } }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// The run: the statistics built over the dataset, a gateway and the baseline over it, each scenario checked
// (the same answer from the gateway, the baseline and Letta's tables; counts as SELECT count(*) makes them),
// then driven by one client and by many.

export interface StatsScenarioResult {
  id: number;
  name: string;
  title: string;
  /** Steps the checked request counted, the same as SELECT count(*) over Letta's steps. */
  countedSteps: number;
  single: { gateway: Measurement; baseline: Measurement; reference: Measurement };
  loaded: { gateway: Measurement; baseline: Measurement };
}

export interface StatsReport {
  dataset: Record<string, number>;
  /** How long building the statistics took. */
  buildSeconds: number;
  facts: number;
  rollups: number;
  connections: number;
  scenarios: StatsScenarioResult[];
}

type Post = (url: string, body: unknown, headers: Record<string, string>) => Promise<{ status: number; body: { data?: unknown; errors?: unknown[] } }>;
type Started = { child: ChildProcess; url: string };

export async function runStats(options: {
  url: string;
  log: (message: string) => void;
  start: (url: string) => Promise<Started>;
  startBaseline: (url: string, apiKeyId: string) => Promise<Started>;
  post: Post;
  duration: number;
  warmup: number;
  connections: number;
  scenarios: number[] | undefined;
  /** Where statements are counted (pg_stat_statements), when it is loaded. */
  statements: { admin: pg.Client; database: string } | null;
}): Promise<StatsReport> {
  const { log, post } = options;
  const db = openPostgres({ url: options.url, poolMax: 2, connectionTimeoutMs: 10_000, statementTimeoutMs: 3_600_000 });
  let buildSeconds = 0;
  let firstStepAt: Date;
  let lastStepAt: Date;
  let sizes: { facts: number; rollups: number };
  try {
    await migrate(db.sql);
    // Built afresh each run (as `npm run stats:rebuild` builds them), so that their build time is measured too.
    {
      log('building the step statistics (npm run stats:rebuild)');
      const started = performance.now();
      await rebuildStats(db.sql);
      buildSeconds = Math.round((performance.now() - started) / 100) / 10;
      await db.sql.exec('VACUUM ANALYZE gateway_step_facts, gateway_step_rollups');
    }
    const [row] = await db.sql.query<{ first: Date; last: Date; facts: number; rollups: number }>(
      `SELECT (SELECT min(created_at) FROM steps WHERE organization_id = $1) AS first, (SELECT max(created_at) FROM steps WHERE organization_id = $1) AS last,
              (SELECT count(*)::int FROM gateway_step_facts) AS facts, (SELECT count(*)::int FROM gateway_step_rollups) AS rollups`,
      [MAIN_ORG],
    );
    firstStepAt = row!.first;
    lastStepAt = row!.last;
    sizes = { facts: row!.facts, rollups: row!.rollups };
  } finally {
    await db.close();
  }
  const { key, apiKeyId, dataset } = await fixtures(options.url);
  const gateway = await options.start(options.url);
  const baseline = await options.startBaseline(options.url, apiKeyId);
  log(`statistics: gateway at ${gateway.url}, baseline at ${baseline.url}`);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  // The gateway's maintainer reads where the statistics stand within its first second.
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const counter = new pg.Client({ connectionString: options.url });
  await counter.connect();
  const results: StatsScenarioResult[] = [];
  try {
    for (const scenario of statsScenarios(firstStepAt, lastStepAt).filter((s) => options.scenarios === undefined || options.scenarios.includes(s.id))) {
      const sample = scenario.next();
      const answers = await Promise.all([
        post(gateway.url, sample, headers),
        post(`${baseline.url}/${scenario.baseline}`, sample, headers),
        post(`${baseline.url}/${scenario.reference}`, sample, headers),
      ]);
      if (answers[0].status !== 200 || answers[0].body.errors !== undefined) throw new Error(`scenario ${scenario.id} fails: ${JSON.stringify(answers[0].body).slice(0, 500)}`);
      if (!isDeepStrictEqual(answers[1].body, answers[0].body) || !isDeepStrictEqual(answers[2].body, answers[0].body)) {
        await mkdir('bench/.data', { recursive: true });
        await writeFile('bench/.data/mismatch.json', JSON.stringify({ gateway: answers[0].body, baseline: answers[1].body, reference: answers[2].body }, null, 2));
        throw new Error(`scenario ${scenario.id}: the gateway, the baseline and Letta's tables do not all answer the same (see bench/.data/mismatch.json)`);
      }
      const nodes = (answers[0].body.data as { stepStats: { nodes: { stats: { count: number } }[] } }).stepStats.nodes;
      const counted = nodes.reduce((sum, node) => sum + node.stats.count, 0);
      const { rows } = await counter.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM steps WHERE organization_id = $1 AND NOT is_deleted AND created_at > $2 AND created_at < $3',
        [MAIN_ORG, sample.variables.filter.createdAfter, sample.variables.filter.createdBefore],
      );
      if (counted !== rows[0]!.n) throw new Error(`scenario ${scenario.id} counts ${counted} steps where SELECT count(*) counts ${rows[0]!.n}`);
      log(`scenario ${scenario.id}: ${scenario.title} (${counted.toLocaleString('en-US')} steps, ${nodes.length} groups, the same from all three)`);
      const at = (connections: number, duration: number) => ({ connections, duration, warmup: options.warmup, headers, statements: options.statements });
      const one = at(1, Math.max(2, Math.round(options.duration / 2)));
      const many = at(options.connections, options.duration);
      const single = {
        gateway: await drive(one, gateway.url, scenario.next, gateway.child.pid!),
        baseline: await drive(one, `${baseline.url}/${scenario.baseline}`, scenario.next, baseline.child.pid!),
        reference: await drive(one, `${baseline.url}/${scenario.reference}`, scenario.next, baseline.child.pid!),
      };
      log(`  one client: gateway p50 ${single.gateway.latencyMs.p50} ms, baseline ${single.baseline.latencyMs.p50} ms, from Letta's tables ${single.reference.latencyMs.p50} ms`);
      const loaded = {
        gateway: await drive(many, gateway.url, scenario.next, gateway.child.pid!),
        baseline: await drive(many, `${baseline.url}/${scenario.baseline}`, scenario.next, baseline.child.pid!),
      };
      log(`  ${options.connections} connections: gateway ${loaded.gateway.requestsPerSecond} req/s, baseline ${loaded.baseline.requestsPerSecond} req/s`);
      results.push({ id: scenario.id, name: scenario.name, title: scenario.title, countedSteps: counted, single, loaded });
    }
  } finally {
    await counter.end();
    gateway.child.kill('SIGTERM');
    baseline.child.kill('SIGTERM');
  }
  return { dataset, buildSeconds, ...sizes, connections: options.connections, scenarios: results };
}
