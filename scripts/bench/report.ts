/** Writes a benchmark run into BENCHMARKS.md, between markers, leaving the rest of the file as it is. */
import { readFile, writeFile } from 'node:fs/promises';

import type { PlanReport } from './plans.ts';

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
  await writeFile(file, text);
}
