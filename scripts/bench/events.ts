import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';

import pg from 'pg';

import { buildMarks } from '../../src/db/step-events.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { cpuMs, rssMb } from '../lib/memory.ts';
import { startPrivateRedis } from '../lib/private-redis.ts';
import { MAIN_ORG } from './dataset.ts';
import { startProcess } from './processes.ts';

/**
 * Live updates under load (`npm run bench -- --events`): two gateway processes over the benchmark's database
 * and a Redis of their own; `subscribers` subscriptions split between them (half over graphql-ws, half over
 * SSE, in processes of their own); a writer inserting steps by plain SQL, as a Letta server does, at `rate` a
 * second for `seconds`. Every subscriber must receive every step's CREATED event once, in order: what is lost,
 * repeated or out of order is counted, and latency is measured from the insert's commit to each delivery.
 * Then the memory of `idle` idle subscriptions on one process, over each transport. Also how long marking every
 * step of the database takes (the feed reader's first reading over a database).
 */

export interface EventsOptions {
  url: string;
  key: string;
  log: (message: string) => void;
  root: string;
  /** Starts a gateway over the database with more environment: its process and URL. */
  start: (env: Record<string, string>) => Promise<{ child: ChildProcess; url: string }>;
  rate: number;
  seconds: number;
  subscribers: number;
  idle: number;
}

export interface EventsReport {
  marks: { steps: number; seconds: number };
  load: { rate: number; seconds: number; subscribers: number; replicas: number; steps: number; deliveries: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  lost: number;
  repeated: number;
  outOfOrder: number;
  errors: string[];
  rssMb: { peak: number[] };
  /** CPU time each gateway process used per event delivered, over the load, in ms. */
  cpuMsPerDelivery: number[];
  /** What 1,000 idle subscriptions cost one process, in MB: resident memory and JavaScript heap; and what 1,000 idle SSE streams cost a bare node:http server. */
  idle: { count: number; sse: { rssMb: number; heapMb: number }; ws: { rssMb: number; heapMb: number }; bareSse: { rssMb: number } };
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
const round = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The subscriptions open on a gateway, from its /metrics. */
async function openSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(text.match(/steps_gateway_subscriptions\{kind="subscriptions"\} (\d+)/)?.[1] ?? NaN);
}

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

interface Subscribers {
  child: ChildProcess;
  received: [number, string, string, string, number][];
  errors: string[];
  ready: Promise<void>;
  stop(): Promise<void>;
}

function subscribers(root: string, url: string, key: string, count: number, first: number, transport: 'both' | 'ws' | 'sse' = 'both'): Subscribers {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/subscribers.ts', url, key, String(count), String(first), transport], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const state: Subscribers = {
    child,
    received: [],
    errors: [],
    ready: new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === 'ready') return resolve();
        const batch = JSON.parse(line) as { received: Subscribers['received']; errors: string[] };
        state.received.push(...batch.received);
        state.errors.push(...batch.errors);
      });
    }),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.write('stop\n');
      await exited;
    },
  };
  return state;
}

/** The median of five samples, a second apart: memory read once is noise from the garbage collector. */
async function settled(read: () => Promise<number> | number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(await read());
    await sleep(1000);
  }
  return samples.sort((x, y) => x - y)[2]!;
}

/** The JavaScript heap in use, in MB, from a gateway's /metrics. */
async function heapMb(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(text.match(/^steps_gateway_nodejs_heap_size_used_bytes (\S+)$/m)?.[1] ?? NaN) / 2 ** 20;
}

/**
 * What `count` idle subscriptions over one transport cost a gateway process started for it (no load before,
 * so that nothing else is being collected): its resident memory and JavaScript heap, settled, before and after.
 */
async function idleMemory(options: EventsOptions, env: Record<string, string>, transport: 'sse' | 'ws', bare = false): Promise<{ rssMb: number; heapMb: number }> {
  const gateway = bare
    ? await startProcess(options.root, ['--import', 'tsx', 'scripts/bench/sse-baseline.ts'], {}, /sse baseline at (http:\/\/\S+)/)
    : await options.start(env);
  await sleep(3000);
  const heap = () => (bare ? NaN : heapMb(gateway.url));
  const before = { rss: await settled(() => rssMb(gateway.child.pid!)), heap: await settled(heap) };
  const idle = subscribers(options.root, gateway.url, options.key, options.idle, 0, transport);
  await idle.ready;
  await until(async () => (await openSubscriptions(gateway.url)) >= options.idle, 60_000, `${options.idle} idle ${transport} subscriptions open`);
  await sleep(3000);
  const after = { rss: await settled(() => rssMb(gateway.child.pid!)), heap: await settled(heap) };
  await idle.stop();
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGTERM');
  await exited;
  const per1000 = (mb: number) => round((mb * 1000) / options.idle);
  return { rssMb: per1000(after.rss - before.rss), heapMb: per1000(after.heap - before.heap) };
}

export async function runEvents(options: EventsOptions): Promise<EventsReport> {
  const { log } = options;
  // The feed reader's first reading over a database: every step marked, timed on its own.
  const db = openPostgres({ url: options.url, poolMax: 4, connectionTimeoutMs: 5000, statementTimeoutMs: 600_000 });
  // The steps an earlier run wrote go, so that the dataset stays the one seeded.
  const forget = () => db.sql.query(`DELETE FROM steps WHERE agent_id = 'agent-bench-live'`);
  await forget();
  await db.sql.query(`UPDATE gateway_events_state SET status = 'empty', watermark = NULL`);
  await db.sql.query('TRUNCATE gateway_step_marks, gateway_step_events, gateway_step_event_heads');
  const marking = performance.now();
  const marked = await buildMarks(db.sql);
  const marks = { steps: marked, seconds: round((performance.now() - marking) / 1000) };
  log(`events: ${marked} steps marked in ${marks.seconds} s`);

  const redis = await startPrivateRedis();
  const env = { REDIS_URL: redis.url, SUBSCRIPTIONS_PER_KEY: '100000', LOG_LEVEL: 'warn' };
  const replicas = [await options.start(env), await options.start(env)];
  log(`events: replicas at ${replicas.map((replica) => replica.url).join(', ')}, Redis at ${redis.url}`);

  const half = Math.ceil(options.subscribers / 2);
  const groups = replicas.map((replica, i) => subscribers(options.root, replica.url, options.key, i === 0 ? half : options.subscribers - half, i * half));
  await Promise.all(groups.map((group) => group.ready));
  await until(async () => (await Promise.all(replicas.map((replica) => openSubscriptions(replica.url)))).reduce((a, b) => a + b, 0) >= options.subscribers, 60_000, 'every subscription open');
  log(`events: ${options.subscribers} subscriptions open; writing ${options.rate} steps a second for ${options.seconds} s`);

  // The writer: one INSERT a step, as Letta's server writes it, at a steady rate.
  const writer = new pg.Pool({ connectionString: options.url, max: 4 });
  const committed = new Map<string, number>();
  const peaks = replicas.map(() => 0);
  const sampler = setInterval(() => replicas.forEach((replica, i) => (peaks[i] = Math.max(peaks[i]!, rssMb(replica.child.pid!)))), 1000);
  const total = Math.round(options.rate * options.seconds);
  const cpuBefore = replicas.map((replica) => cpuMs(replica.child.pid!));
  const startedAt = performance.now();
  const writes: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = startedAt + (n * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const id = `step-${randomUUID()}`;
    writes.push(
      writer
        .query(
          `INSERT INTO steps (id, organization_id, agent_id, model, model_handle, provider_name, status, prompt_tokens, completion_tokens, total_tokens, tags)
           VALUES ($1, $2, 'agent-bench-live', 'gpt-4o-mini', 'openai/gpt-4o-mini', 'openai', 'PENDING', 0, 0, 0, '[]')`,
          [id, MAIN_ORG],
        )
        .then(() => void committed.set(id, performance.timeOrigin + performance.now())),
    );
  }
  await Promise.all(writes);
  // The tail: every event delivered, or a loss.
  const expected = committed.size * options.subscribers;
  const countOf = () => groups.reduce((sum, group) => sum + group.received.filter(([, , type, step]) => type === 'CREATED' && committed.has(step)).length, 0);
  await until(async () => countOf() >= expected, 15_000, 'every event delivered').catch((error: Error) => log(`events: ${error.message}`));
  const cpuUsed = replicas.map((replica, i) => cpuMs(replica.child.pid!) - cpuBefore[i]!);
  await sleep(1000);
  clearInterval(sampler);
  await writer.end();
  await Promise.all(groups.map((group) => group.stop()));

  // Each subscriber: every step once, in the order of the cursors.
  const latencies: number[] = [];
  let lost = 0;
  let repeated = 0;
  let outOfOrder = 0;
  const bySubscriber = new Map<number, [number, string, string, string, number][]>();
  for (const group of groups) for (const row of group.received) bySubscriber.set(row[0], [...(bySubscriber.get(row[0]) ?? []), row]);
  for (let s = 0; s < options.subscribers; s++) {
    const rows = (bySubscriber.get(s) ?? []).filter(([, , type, step]) => type === 'CREATED' && committed.has(step));
    const steps = new Set<string>();
    let last = 0;
    for (const [, cursor, , step, at] of rows) {
      if (steps.has(step)) repeated += 1;
      steps.add(step);
      if (Number(cursor) <= last) outOfOrder += 1;
      last = Number(cursor);
      latencies.push(at - committed.get(step)!);
    }
    lost += committed.size - steps.size;
  }
  latencies.sort((a, b) => a - b);
  const report: EventsReport = {
    marks,
    load: { rate: options.rate, seconds: options.seconds, subscribers: options.subscribers, replicas: replicas.length, steps: committed.size, deliveries: latencies.length },
    latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
    lost,
    repeated,
    outOfOrder,
    errors: groups.flatMap((group) => group.errors).slice(0, 10),
    rssMb: { peak: peaks },
    cpuMsPerDelivery: groups.map((group, i) => Math.round((cpuUsed[i]! / Math.max(1, group.received.length)) * 10_000) / 10_000),
    idle: { count: options.idle, sse: { rssMb: NaN, heapMb: NaN }, ws: { rssMb: NaN, heapMb: NaN }, bareSse: { rssMb: NaN } },
  };
  log(`events: CPU per delivery, each process: ${report.cpuMsPerDelivery.map((ms) => `${ms} ms`).join(', ')}`);
  log(`events: ${report.load.deliveries} deliveries of ${committed.size} steps, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms; lost ${lost}, repeated ${repeated}, out of order ${outOfOrder}`);

  for (const replica of replicas) {
    const exited = new Promise((resolve) => replica.child.once('exit', resolve));
    replica.child.kill('SIGTERM');
    await exited;
  }
  if (options.idle > 0) {
    report.idle.sse = await idleMemory(options, env, 'sse');
    report.idle.ws = await idleMemory(options, env, 'ws');
    report.idle.bareSse = { rssMb: (await idleMemory(options, env, 'sse', true)).rssMb };
    log(`events: per 1,000 idle subscriptions: ${report.idle.sse.rssMb} MB RSS (${report.idle.sse.heapMb} MB heap) over SSE, ${report.idle.ws.rssMb} MB RSS (${report.idle.ws.heapMb} MB heap) over graphql-ws; a bare node:http server: ${report.idle.bareSse.rssMb} MB`);
  }
  await redis.stop();
  await forget();
  await db.close();
  return report;
}
