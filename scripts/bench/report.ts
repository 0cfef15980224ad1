/** Writes a benchmark run into BENCHMARKS.md, between markers, leaving the rest of the file as it is. */
import { readFile, writeFile } from 'node:fs/promises';

import type { EventsReport } from './events.ts';
import type { PlanReport } from './plans.ts';
import type { StatsReport } from './stats.ts';

export interface Measurement {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: number;
  statementsPerRequest: number | null;
  /** The same without the API key lookups (one per key every API_KEY_CACHE_MS): the statements the query itself costs. */
  queryStatementsPerRequest?: number | null;
  rssMb: { start: number; peak: number; end: number };
  /** The statements that took Postgres the most time in all, with their mean execution time. */
  topStatements: { query: string; calls: number; meanMs: number }[];
}

export interface ScenarioResult {
  id: number;
  name: string;
  title: string;
  gateway: Measurement;
  baseline?: Measurement;
}

export interface BenchResult {
  date: string;
  label: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; platform: string };
  versions: Record<string, string>;
  options: { steps: number; duration: number; warmup: number; connections: number };
  dataset: Record<string, number>;
  scenarios: ScenarioResult[];
  plans?: PlanReport;
  stats?: StatsReport;
  events?: EventsReport;
  durationSeconds: number;
}

const number = (value: number) => value.toLocaleString('en-US');
const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');

/** The results of a run as Markdown: the machine, the table, and the targets. */
export function resultsSection(bench: BenchResult): string {
  const byId = new Map(bench.scenarios.map((scenario) => [scenario.id, scenario]));
  const lines = [
    `Run of ${bench.date.slice(0, 16).replace('T', ' ')} UTC (\`${bench.label}\`), ${bench.durationSeconds} s in all.`,
    '',
    `- Machine: ${bench.machine.cpus} × ${bench.machine.cpuModel}, ${bench.machine.memoryGb} GB, ${bench.machine.platform}. ` +
      'The gateway, Postgres and the load generator share it.',
    `- Versions: Node ${bench.versions.node}, PostgreSQL ${bench.versions.postgres}, graphql-yoga ${bench.versions.graphqlYoga}, ` +
      `graphql ${bench.versions.graphql}, Prisma ${bench.versions.prisma}, Pothos ${bench.versions.pothos}, autocannon ${bench.versions.autocannon}.`,
    `- Dataset: ${number(bench.dataset.steps!)} steps, ${number(bench.dataset.messages!)} messages, ${number(bench.dataset.traces!)} traces, ` +
      `${number(bench.dataset.metrics!)} metrics${bench.dataset.feedbackEntries !== undefined ? `, ${number(bench.dataset.feedbackEntries)} feedback entries` : ''} ` +
      `in ${bench.dataset.organizations} organizations; the scenarios query the one with ` +
      `${number(bench.dataset.mainOrganizationSteps!)} steps.`,
    `- Load: ${bench.options.connections} connections for ${bench.options.duration} s per scenario, after a ${bench.options.warmup} s warm-up.`,
    '',
    '| # | Scenario | Server | req/s | p50 ms | p95 ms | p99 ms | SQL statements / request | RSS MB (peak) | Errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const scenario of bench.scenarios) {
    const row = (server: string, m: Measurement) =>
      `| ${scenario.id} | ${scenario.title} | ${server} | ${m.requestsPerSecond} | ${m.latencyMs.p50} | ${m.latencyMs.p95} | ${m.latencyMs.p99} | ` +
      `${m.statementsPerRequest ?? 'n/a'} | ${m.rssMb.peak} | ${m.errors} |`;
    lines.push(row('gateway', scenario.gateway));
    if (scenario.baseline) lines.push(row('hand-written SQL', scenario.baseline));
  }

  const s1 = byId.get(1);
  const s2 = byId.get(2);
  const s5 = byId.get(5);
  const ratio = s2?.baseline ? s2.baseline.requestsPerSecond / s2.gateway.requestsPerSecond : undefined;
  const deep = s1 && s5 ? s5.gateway.latencyMs.p50 / s1.gateway.latencyMs.p50 : undefined;
  const p99s = [1, 2, 4, 5].map((id) => byId.get(id)).filter((scenario) => scenario !== undefined);
  const slowest = p99s.reduce<ScenarioResult | undefined>((worst, scenario) => (worst && worst.gateway.latencyMs.p99 >= scenario.gateway.latencyMs.p99 ? worst : scenario), undefined);
  lines.push(
    '',
    '| Target | Figure | |',
    '|---|---|---|',
    `| Scenario 2 within 2× of the hand-written SQL's throughput | ${ratio === undefined ? 'n/a' : `baseline ${s2!.baseline!.requestsPerSecond} req/s ÷ gateway ${s2!.gateway.requestsPerSecond} req/s = ${ratio.toFixed(2)}×`} | ${met(ratio === undefined ? undefined : ratio <= 2)} |`,
    `| Scenario 2: one statement per level of nesting | ${s2?.gateway.queryStatementsPerRequest ?? 'n/a'} statements per request, besides the key lookups, for two levels (steps with their trace and metrics; messages) | ${met(s2?.gateway.queryStatementsPerRequest == null ? undefined : s2.gateway.queryStatementsPerRequest <= 2.01)} |`,
    `| Scenario 5 (deep page) p50 within 1.3× of scenario 1's | ${deep === undefined ? 'n/a' : `${s5!.gateway.latencyMs.p50} ms ÷ ${s1!.gateway.latencyMs.p50} ms = ${deep.toFixed(2)}×`} | ${met(deep === undefined ? undefined : deep <= 1.3)} |`,
    `| p99 under 50 ms at ${bench.options.connections} connections for scenarios 1, 2, 4 and 5 | ${p99s.map((scenario) => `${scenario!.id}: ${scenario!.gateway.latencyMs.p99} ms`).join(', ')} | ${met(slowest === undefined ? undefined : slowest.gateway.latencyMs.p99 < 50)} |`,
  );
  return lines.join('\n');
}

function plansSection(plans: PlanReport, date: string): string {
  const lines = [
    `Recorded on ${date.slice(0, 10)} on ${number(plans.steps)} steps (${number(plans.organizationSteps)} in the organization queried), ` +
      'with `npm run bench -- --plans`. Each statement is the gateway\'s own (built by `stepPageSql` and `stepCountSql`), run with `EXPLAIN ANALYZE` ' +
      'after one warm-up run.',
    '',
    '| Filter | Page of 50: ms | Count (capped): ms | Sequential scan of `steps` or the feedback entries |',
    '|---|---:|---:|---|',
  ];
  const filters = [...new Set(plans.entries.map((entry) => entry.filter))];
  for (const filter of filters) {
    const page = plans.entries.find((entry) => entry.filter === filter && entry.statement === 'page')!;
    const count = plans.entries.find((entry) => entry.filter === filter && entry.statement === 'count')!;
    lines.push(`| ${filter} | ${page.executionMs} | ${count.executionMs} | ${page.sequentialScan || count.sequentialScan ? '**yes**' : 'no'} |`);
  }
  lines.push('', '<details><summary>The plans</summary>', '');
  for (const entry of plans.entries) lines.push(`**${entry.filter}, ${entry.statement}**`, '', '```', entry.plan, '```', '');
  lines.push('</details>');
  return lines.join('\n');
}

/** The aggregate scenarios and their targets. */
export function statsSection(stats: StatsReport, date: string): string {
  const lines = [
    `Run of ${date.slice(0, 16).replace('T', ' ')} UTC with \`npm run bench -- --stats\`, over ${number(stats.dataset.steps!)} steps ` +
      `(${number(stats.dataset.mainOrganizationSteps!)} in the organization queried, one a minute over 16 months) and ${number(stats.dataset.metrics!)} metrics. ` +
      `Pre-aggregated: ${number(stats.facts)} facts, ${number(stats.rollups)} hourly rollup rows` +
      `, built by this run in ${stats.buildSeconds} s (\`npm run stats:rebuild\`). ` +
      "Each request covers a window ending at a random minute of the data's last 60 days, so its edges fall within hours. " +
      "Before load, the gateway, the baseline and the same computation over Letta's tables (steps and step_metrics) must answer the very same JSON, " +
      'and the steps counted must be what `SELECT count(*)` counts over the window.',
    '',
    '| # | Scenario | Steps counted (checked) | One client: gateway p50 ms | baseline p50 ms | from Letta\'s tables p50 ms | ' +
      `${stats.connections} connections: gateway req/s | baseline req/s | ratio | gateway p99 ms | RSS MB (peak) |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of stats.scenarios) {
    lines.push(
      `| ${s.id} | ${s.title} | ${number(s.countedSteps)} | ${s.single.gateway.latencyMs.p50} | ${s.single.baseline.latencyMs.p50} | ${s.single.reference.latencyMs.p50} | ` +
        `${s.loaded.gateway.requestsPerSecond} | ${s.loaded.baseline.requestsPerSecond} | ${(s.loaded.gateway.requestsPerSecond / s.loaded.baseline.requestsPerSecond).toFixed(2)} | ` +
        `${s.loaded.gateway.latencyMs.p99} | ${s.loaded.gateway.rssMb.peak} |`,
    );
  }
  const byId = new Map(stats.scenarios.map((s) => [s.id, s]));
  const s10 = byId.get(10);
  const s11 = byId.get(11);
  const ratios = stats.scenarios.map((s) => s.loaded.gateway.requestsPerSecond / s.loaded.baseline.requestsPerSecond);
  lines.push(
    '',
    '| Target | Figure | |',
    '|---|---|---|',
    `| 30 days by day and model (scenario 10) under 50 ms p50, one client | ${s10 ? `${s10.single.gateway.latencyMs.p50} ms` : 'n/a'} | ${met(s10 ? s10.single.gateway.latencyMs.p50 < 50 : undefined)} |`,
    `| 365 days by day (scenario 11) under 100 ms p50, one client | ${s11 ? `${s11.single.gateway.latencyMs.p50} ms` : 'n/a'} | ${met(s11 ? s11.single.gateway.latencyMs.p50 < 100 : undefined)} |`,
    `| At ${stats.connections} connections, at least 0.8 of the baseline's throughput | ${stats.scenarios.map((s, i) => `${s.id}: ${ratios[i]!.toFixed(2)}`).join(', ') || 'n/a'} | ${met(ratios.length === 0 ? undefined : ratios.every((r) => r >= 0.8))} |`,
    `| Counts agree with \`SELECT count(*)\` exactly | ${stats.scenarios.map((s) => `${s.id}: ${number(s.countedSteps)}`).join(', ') || 'n/a'} (checked before load; a difference stops the run) | ${met(stats.scenarios.length === 0 ? undefined : true)} |`,
  );
  return lines.join('\n');
}

/** Live updates under load: latency, what was lost or repeated, memory per idle subscription. */
export function eventsSection(events: EventsReport, date: string): string {
  const { load, latencyMs } = events;
  return [
    `Run of ${date.slice(0, 16).replace('T', ' ')} UTC: ${load.replicas} gateway processes and a Redis, ${number(load.subscribers)} subscriptions (half on each process, half over graphql-ws and half over SSE), ${load.rate} steps a second inserted by SQL for ${load.seconds} s (${number(load.steps)} steps).`,
    '',
    '| measure | figure | target |',
    '|---|---|---|',
    `| From a step's insert (committed) to its CREATED event at a subscriber: p50 / p95 / p99 / max | ${latencyMs.p50} / ${latencyMs.p95} / ${latencyMs.p99} / ${latencyMs.max} ms over ${number(load.deliveries)} deliveries | p99 under 1,000 ms: ${met(latencyMs.p99 < 1000)} |`,
    `| Events lost / repeated / out of order (counted per subscriber) | ${number(events.lost)} / ${number(events.repeated)} / ${number(events.outOfOrder)} | 0 / 0 / 0: ${met(events.lost + events.repeated + events.outOfOrder === 0)} |`,
    `| Gateway RSS, peak under that load (each process) | ${events.rssMb.peak.map((mb) => `${mb} MB`).join(', ')} | |`,
    `| Gateway CPU time per event delivered, reading the feed and the step included (each process) | ${events.cpuMsPerDelivery.map((ms) => `${ms} ms`).join(', ')} | |`,
    `| Memory per 1,000 idle subscriptions, each on a connection of its own (growth of a process started for it: resident / JavaScript heap) | SSE: ${events.idle.sse.rssMb} / ${events.idle.sse.heapMb} MB; graphql-ws: ${events.idle.ws.rssMb} / ${events.idle.ws.heapMb} MB (${number(events.idle.count)} opened); a bare \`node:http\` server holding as many SSE streams: ${events.idle.bareSse.rssMb} MB | |`,
    `| The first reading over a database: every step marked | ${number(events.marks.steps)} steps in ${events.marks.seconds} s | |`,
    ...(events.errors.length > 0 ? ['', `Errors seen by subscribers: ${events.errors.map((error) => `\`${error}\``).join('; ')}`] : []),
  ].join('\n');
}

function replaceBetween(text: string, name: string, content: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) return `${text.trimEnd()}\n\n${start}\n${content}\n${end}\n`;
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

export async function writeReport(file: string, bench: BenchResult, section = 'results'): Promise<void> {
  let text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  if (bench.scenarios.length > 0) text = replaceBetween(text, section, resultsSection(bench));
  if (bench.plans) text = replaceBetween(text, 'plans', plansSection(bench.plans, bench.date));
  if (bench.stats) text = replaceBetween(text, 'stats', statsSection(bench.stats, bench.date));
  if (bench.events) text = replaceBetween(text, 'events', eventsSection(bench.events, bench.date));
  await writeFile(file, text);
}
