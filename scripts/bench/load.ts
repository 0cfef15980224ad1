import type pg from 'pg';
import autocannon from 'autocannon';

import { rssMb } from '../lib/memory.ts';

/** Load: autocannon against a server, with exact percentiles, memory and the statements Postgres ran. */

export interface LoadOptions {
  connections: number;
  duration: number;
  warmup: number;
  headers: Record<string, string>;
  /** Where statements are counted: the admin connection and the benchmark database, when pg_stat_statements is loaded. */
  statements: { admin: pg.Client; database: string } | null;
}

/** The statements Postgres ran for the benchmark database since the last reset: how many, and the dearest. */
async function statementStats(options: LoadOptions): Promise<{ count: number; keyLookups: number; top: { query: string; calls: number; meanMs: number }[] } | null> {
  if (options.statements === null) return null;
  const { rows } = await options.statements.admin.query<{ query: string; calls: string; mean: number }>(
    `SELECT query, calls, mean_exec_time AS mean FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY total_exec_time DESC`,
    [options.statements.database],
  );
  return {
    count: rows.reduce((sum, row) => sum + Number(row.calls), 0),
    // API key lookups: one per key every API_KEY_CACHE_MS, whatever the query.
    keyLookups: rows.filter((row) => row.query.includes('gateway_api_keys')).reduce((sum, row) => sum + Number(row.calls), 0),
    top: rows.slice(0, 3).map((row) => ({ query: row.query.replace(/\s+/g, ' ').slice(0, 160), calls: Number(row.calls), meanMs: Math.round(row.mean * 100) / 100 })),
  };
}
const resetStatements = async (options: LoadOptions) => {
  if (options.statements !== null) await options.statements.admin.query('SELECT pg_stat_statements_reset()');
};

/** Drives `url` with autocannon: a warm-up, then the measured run; statements are counted over the measured run only. */
export async function drive(options: LoadOptions, url: string, next: () => unknown, pid: number) {
  let issued = 0;
  const run = (duration: number, latencies: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          method: 'POST',
          headers: options.headers,
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
  await resetStatements(options);
  issued = 0;
  const memory: number[] = [rssMb(pid)];
  const sampler = setInterval(() => memory.push(rssMb(pid)), 1000);
  const latencies: number[] = [];
  const result = await run(options.duration, latencies);
  clearInterval(sampler);
  memory.push(rssMb(pid));
  await settle();
  const statements = await statementStats(options);
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
