import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

import { PrismaClient } from '../../prisma/generated/client/client.ts';

/** The SQL the gateway runs outside Prisma: migrations, start-up checks, bulk seeding. */
export interface SqlRunner {
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>;
  /** Runs one statement with positional parameters ($1, $2, ...) and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` in a transaction on a single connection. */
  transaction<T>(work: (sql: Omit<SqlRunner, 'transaction'>) => Promise<T>): Promise<T>;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  readonly sql: SqlRunner;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Called with every statement Prisma sends (tests count them; the logger may trace them). */
  onQuery(listener: (query: string) => void): () => void;
}

export interface PostgresOptions {
  url: string;
  poolMax: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** Opens Postgres through a pg pool whose size and timeouts are always set explicitly. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName ?? 'steps-gateway',
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would
  // crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});

  const runner = (client: pg.Pool | pg.PoolClient): Omit<SqlRunner, 'transaction'> => ({
    async exec(script) {
      await client.query(script);
    },
    async query(text, params = []) {
      const result = await client.query(text, params);
      return result.rows;
    },
  });

  const sql: SqlRunner = {
    ...runner(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(runner(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };

  return withPrisma('postgres', new PrismaPg(pool), sql, () => pool.end());
}

/** Opens embedded Postgres (PGlite), in memory when `dataDir` is undefined. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const pglite = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;

  const runner = (client: Pick<PGlite, 'exec' | 'query'>): Omit<SqlRunner, 'transaction'> => ({
    async exec(script) {
      await client.exec(script);
    },
    async query<Row>(text: string, params: unknown[] = []) {
      const result = await client.query<Row>(text, params);
      return result.rows;
    },
  });

  const sql: SqlRunner = {
    ...runner(pglite),
    transaction: (work) => pglite.transaction((tx) => work(runner(tx))),
  };

  return withPrisma('pglite', new PrismaPGlite(pglite), sql, () => pglite.close());
}

function withPrisma(
  kind: DatabaseKind,
  adapter: PrismaPg | PrismaPGlite,
  sql: SqlRunner,
  closeDriver: () => Promise<void>,
): Database {
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const listeners = new Set<(query: string) => void>();
  client.$on('query', (event) => {
    for (const listener of listeners) listener(event.query);
  });
  const prisma = client as unknown as PrismaClient;

  return {
    kind,
    prisma,
    sql,
    async ping() {
      await sql.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
