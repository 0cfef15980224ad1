/**
 * Soak: starts the gateway as a process of its own and drives a steady mix of reads and feedback writes at
 * it for a while, then reports throughput, latency, errors by code and the gateway's memory (RSS, read from
 * /proc) at the start and at the end.
 *
 *   npm run soak -- [--seconds 60] [--concurrency 8] [--sample 10]
 *
 * With DATABASE_URL it runs on that Postgres (seeding an organization of its own on first use); without,
 * on embedded Postgres in a temporary folder with the demo data. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createKey } from '../src/auth/api-keys.ts';
import { parseFlags } from '../src/cli.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { seed } from '../src/db/seed.ts';
import { rssMb } from './lib/memory.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { flags } = parseFlags(process.argv.slice(2));
const seconds = Number(flags.seconds ?? 60);
const concurrency = Number(flags.concurrency ?? 8);
const sampleSeconds = Number(flags.sample ?? 10);
if (![seconds, concurrency, sampleSeconds].every((n) => Number.isFinite(n) && n > 0)) {
  process.stderr.write('usage: npm run soak -- [--seconds 60] [--concurrency 8] [--sample 10]\n');
  process.exit(2);
}
const SOAK_ORG = 'org-00000000-0000-4000-8000-00000000050a';
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;

/** A key for the gateway to serve: the demo's on embedded Postgres, an organization of our own on Postgres. */
async function prepare(): Promise<{ env: Record<string, string>; key?: string; cleanup: () => Promise<void> }> {
  if (databaseUrl === undefined) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'steps-gateway-soak-'));
    return { env: { DATA_DIR: dataDir, DATABASE_URL: '' }, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const db = openPostgres({ url: databaseUrl, poolMax: 2, connectionTimeoutMs: 5000, statementTimeoutMs: 600_000 });
  try {
    await migrate(db.sql);
    const [existing] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM steps WHERE organization_id = $1', [SOAK_ORG]);
    if (existing!.n === 0) {
      process.stderr.write('seeding 2,000 steps for the soak organization...\n');
      await seed(db.sql, { organizationId: SOAK_ORG, organizationName: 'Soak', steps: 2000, seed: 7 });
    }
    const { key } = await createKey(db.prisma, SOAK_ORG, { name: 'soak' });
    return { env: {}, key, cleanup: async () => {} };
  } finally {
    await db.close();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const prepared = await prepare();
// Node itself (not the tsx wrapper, which would be another process): its pid is the gateway's.
const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  cwd: root,
  env: { ...process.env, ...prepared.env, PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', NODE_ENV: 'production' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
const started = await new Promise<{ url: string; key: string }>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the gateway did not start: ${stderr}`)), 120_000);
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    const url = stderr.match(/running at (http:\/\/\S+\/graphql)/)?.[1];
    const key = prepared.key ?? stderr.match(/Demo API key: (sgw_\S+)/)?.[1];
    if (url !== undefined && key !== undefined) {
      clearTimeout(timer);
      resolve({ url, key });
    }
  });
  child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}: ${stderr}`)));
});

const post = async (body: unknown) => {
  const response = await fetch(started.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${started.key}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, json };
};

const LIST = `query Soak($after: String) { steps(first: 20, after: $after) { pageInfo { endCursor hasNextPage } nodes {
  id model status totalTokens tags messages(first: 10) { nodes { id role content { __typename ... on TextContent { text } } } }
  trace { id callType } metrics { stepNs } } } }`;
const { json: first } = await post({ query: LIST });
const stepIds: string[] = first.data.steps.nodes.map((node: { id: string }) => node.id);

let requests = 0;
const latencies: number[] = [];
const errors = new Map<string, number>();
const memory: { atSeconds: number; rssMb: number }[] = [];
const begin = performance.now();
const warmUpUntil = begin + Math.min(5000, (seconds * 1000) / 5);
const end = begin + seconds * 1000;

async function worker(index: number) {
  let cursor: string | null = null;
  for (let i = 0; performance.now() < end; i++) {
    const at = performance.now();
    const body =
      i % 4 === 3
        ? {
            query: 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id } } }',
            variables: { input: { stepId: stepIds[(index + i) % stepIds.length], feedback: i % 8 === 3 ? 'NEGATIVE' : 'POSITIVE', tags: [`soak-${i % 10}`] } },
          }
        : { query: LIST, variables: { after: cursor } };
    try {
      const { status, json } = await post(body);
      if (json.data?.steps) cursor = json.data.steps.pageInfo.hasNextPage ? json.data.steps.pageInfo.endCursor : null;
      if (status !== 200 || json.errors !== undefined) {
        const code = json.errors?.[0]?.extensions?.code ?? `HTTP ${status}`;
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    } catch (error) {
      const code = (error as Error).name;
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
    if (at >= warmUpUntil) {
      requests += 1;
      latencies.push(performance.now() - at);
    }
  }
}

const sampler = setInterval(() => {
  const now = performance.now();
  if (now >= warmUpUntil) memory.push({ atSeconds: Math.round((now - begin) / 1000), rssMb: rssMb(child.pid!) });
  process.stderr.write(`\r${Math.round((now - begin) / 1000)}/${seconds} s, ${requests} requests, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors`);
}, sampleSeconds * 1000);
const firstSample = new Promise<void>((resolve) =>
  setTimeout(() => {
    memory.unshift({ atSeconds: Math.round((performance.now() - begin) / 1000), rssMb: rssMb(child.pid!) });
    resolve();
  }, warmUpUntil - begin),
);
await Promise.all([firstSample, ...Array.from({ length: concurrency }, (_, i) => worker(i))]);
clearInterval(sampler);
memory.push({ atSeconds: Math.round((performance.now() - begin) / 1000), rssMb: rssMb(child.pid!) });
process.stderr.write('\n');

child.kill('SIGTERM');
const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
await prepared.cleanup();

const measuredSeconds = (end - warmUpUntil) / 1000;
latencies.sort((a, b) => a - b);
const summary = {
  database: databaseUrl === undefined ? 'embedded' : 'postgres',
  seconds,
  concurrency,
  requests,
  requestsPerSecond: Math.round(requests / measuredSeconds),
  latencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
  errors: Object.fromEntries(errors),
  rssMb: { start: memory[0]?.rssMb, end: memory.at(-1)?.rssMb, samples: memory },
  exitCode,
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `\n${requests} requests in ${measuredSeconds.toFixed(0)} s after warm-up (${summary.requestsPerSecond}/s), ` +
    `p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors; ` +
    `gateway RSS ${summary.rssMb.start} MB at the start, ${summary.rssMb.end} MB at the end; exit code ${exitCode}.\n`,
);
process.exit(errors.size === 0 && exitCode === 0 ? 0 : 1);
