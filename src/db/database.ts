import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

import { Prisma, PrismaClient } from '../../prisma/generated/client/client.ts';
import { inSpan } from '../tracing.ts';
import { mayRetry } from './failures.ts';
import { queryPrepared } from './prepared.ts';
import { RequestAbortedError, requestScope, type RequestScope } from './request-scope.ts';

/**
 * The SQL the gateway runs outside Prisma and outside the hot reads: migrations, start-up checks, bulk
 * seeding, idempotency keys. Through `Database.sql` it is counted, traced and retried like every statement.
 */
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
  /**
   * Runs a hand-written SELECT through the driver, without Prisma's result mapping: the hot read paths (pages
   * of steps and messages), where that mapping cost as much as the rest of the read. Rows have the same
   * JavaScript types as Prisma's (Date, bigint, parsed JSON). Like Prisma's reads, it is sent once more
   * after a passing failure.
   */
  read<Row>(sql: Prisma.Sql): Promise<Row[]>;
  /** The connection pool's state: open, idle and awaited connections, and its size (embedded Postgres has one). */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Called with every statement sent, through any path: Prisma, `read`, `sql` (tests count them). */
  onQuery(listener: (query: string) => void): () => void;
  /** Called when a statement that failed in passing is sent once more. */
  onRetry(listener: (error: unknown) => void): () => void;
  /**
   * Cancels the statements a request's connections are running on the server (Postgres only; embedded
   * Postgres runs one statement at a time in process and has nothing to cancel).
   */
  cancelRequest(scope: RequestScope): Promise<void>;
}

/** The type oid of Postgres' bigint (int8). */
const INT8 = 20;

const READ_OPERATIONS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);

/** A statement that is a SELECT only reads; anything else may write. */
const kindOfText = (text: string): 'read' | 'write' => (/^\s*SELECT\b/i.test(text) ? 'read' : 'write');

/** Reads are model reads and raw statements that are a SELECT; anything else may write. */
function statementKind(operation: string, args: unknown): 'read' | 'write' {
  if (READ_OPERATIONS.has(operation)) return 'read';
  if (operation === '$queryRaw' && args instanceof Prisma.Sql) return kindOfText(args.strings[0] ?? '');
  return 'write';
}

export interface PostgresOptions {
  url: string;
  poolMax: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Run the hot reads as named prepared statements (the default); off behind a pooler that cannot keep them. */
  preparedStatements?: boolean;
}

/** Opens Postgres through a pg pool whose size and timeouts are always set explicitly. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName ?? 'steps-gateway',
    // bigint as bigint, as Prisma reads it (pg's default is a string). Prisma's own statements bring their parsers.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? BigInt : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would
  // crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  const cancelled = trackConnections(pool);

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

  /**
   * Cancels with Postgres' own cancel request (what psql sends on Ctrl-C): a short packet on a connection of
   * its own that the server closes at once. It needs no session, so it works while the pool is exhausted by
   * the very statements being cancelled, and costs no slot of max_connections. A cancelled connection is
   * closed rather than reused (see trackConnections), so a cancel that arrives late can never reach another
   * request's statement.
   */
  async function cancelRequest(scope: RequestScope) {
    for (const connection of scope.connections) {
      const client = connection as pg.PoolClient & { activeQuery?: unknown };
      cancelled.add(client);
      if (client.activeQuery == null) continue;
      const canceller = new pg.Client({ connectionString: options.url });
      (canceller as unknown as { connection: NodeJS.EventEmitter }).connection.on('error', () => {});
      (canceller as unknown as { cancel(target: pg.Client, query: unknown): void }).cancel(client, client.activeQuery);
    }
  }

  const read = async <Row>(statement: Prisma.Sql) => {
    if (options.preparedStatements === false) return (await pool.query({ text: statement.text, values: statement.values })).rows as Row[];
    const client = await pool.connect();
    // As pool.query does: a connection that fails while in hand, or whose statement failed, is closed rather
    // than handed to the next statement.
    let failed: Error | undefined;
    const onError = (error: Error) => {
      failed ??= error;
    };
    client.on('error', onError);
    try {
      return await queryPrepared<Row>(client, statement.text, statement.values);
    } catch (error) {
      failed ??= error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(failed);
    }
  };
  const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolMax });
  return withPrisma('postgres', new PrismaPg(pool), sql, read, poolStats, () => pool.end(), cancelRequest);
}

/**
 * Records which connections each request holds (every statement, Prisma's included, checks one out through
 * `pool.connect`), refuses to start a statement for a request that has already ended, and closes a
 * connection whose statement was cancelled instead of returning it to the pool.
 */
function trackConnections(pool: pg.Pool): WeakSet<pg.PoolClient> {
  const cancelled = new WeakSet<pg.PoolClient>();
  const original = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  const connect = () => original() as Promise<pg.PoolClient>;
  const adopt = (scope: RequestScope, client: pg.PoolClient): pg.PoolClient => {
    if (scope.signal.aborted) {
      client.release();
      throw new RequestAbortedError();
    }
    scope.connections.add(client);
    const release = client.release;
    client.release = (destroy?: boolean | Error) => {
      scope.connections.delete(client);
      client.release = release;
      return release.call(client, cancelled.has(client) ? true : destroy);
    };
    return client;
  };
  pool.connect = ((callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void) => {
    const scope = requestScope.getStore();
    if (scope === undefined) return original(callback);
    if (scope.signal.aborted) {
      const error = new RequestAbortedError();
      if (callback === undefined) return Promise.reject(error);
      callback(error, undefined, () => {});
      return undefined;
    }
    // A request that ends while it waits for a connection stops waiting; the connection, when it comes, goes back.
    const acquired = new Promise<pg.PoolClient>((resolve, reject) => {
      const onAbort = () => reject(new RequestAbortedError());
      scope.signal.addEventListener('abort', onAbort, { once: true });
      connect().then(
        (client) => {
          scope.signal.removeEventListener('abort', onAbort);
          try {
            resolve(adopt(scope, client));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          scope.signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
    if (callback === undefined) return acquired;
    acquired.then(
      (client) => callback(undefined, client, (release) => client.release(release as boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
    return undefined;
  }) as typeof pool.connect;
  return cancelled;
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

  // PGlite reads bigint as a number, which cannot hold nanosecond timestamps exactly.
  const parsers = { [INT8]: (value: string) => BigInt(value) };
  const read = async <Row>(statement: Prisma.Sql) => (await pglite.query<Row>(statement.text, statement.values, { parsers })).rows;
  // One connection, in process, always open.
  const poolStats = () => ({ total: 1, idle: 1, waiting: 0, max: 1 });
  return withPrisma('pglite', new PrismaPGlite(pglite), sql, read, poolStats, () => pglite.close(), async () => {});
}

function withPrisma(
  kind: DatabaseKind,
  adapter: PrismaPg | PrismaPGlite,
  sql: SqlRunner,
  readRows: <Row>(statement: Prisma.Sql) => Promise<Row[]>,
  poolStats: Database['poolStats'],
  closeDriver: () => Promise<void>,
  cancelRequest: (scope: RequestScope) => Promise<void>,
): Database {
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const listeners = new Set<(query: string) => void>();
  const retryListeners = new Set<(error: unknown) => void>();
  client.$on('query', (event) => {
    for (const listener of listeners) listener(event.query);
  });
  /**
   * Every statement the gateway sends goes through here, whichever way it is written (a Prisma call, a
   * hand-written read, the SQL runner): it is marked as a possible write on the request, traced as a span,
   * seen by the statement listeners (unless Prisma reports it itself, see `$on('query')`), and, when it
   * failed in passing (a connection the server closed, a failover, a lost serialization conflict), sent once
   * more where that is safe: always for a read, for a write only when it cannot have been applied. The pool
   * hands the retry a fresh connection. Statements inside a transaction are not retried one by one: the
   * transaction is, as a write.
   */
  const statement = <T>(
    kind: 'read' | 'write',
    span: { name: string; attributes: Record<string, string> },
    options: { count?: string; retry: boolean },
    run: () => Promise<T>,
  ): Promise<T> => {
    const scope = requestScope.getStore();
    if (kind === 'write' && scope !== undefined) scope.mayHaveWritten = true;
    return inSpan(span.name, { 'db.system.name': 'postgresql', ...span.attributes }, async () => {
      if (options.count !== undefined) for (const listener of listeners) listener(options.count);
      try {
        return await run();
      } catch (error) {
        if (!options.retry || !mayRetry(error, kind)) throw error;
        for (const listener of retryListeners) listener(error);
        if (options.count !== undefined) for (const listener of listeners) listener(options.count);
        return run();
      }
    });
  };
  const sqlStatement = <T>(text: string, retry: boolean, run: () => Promise<T>) =>
    statement(kindOfText(text), { name: 'db.query', attributes: { 'db.query.text': text } }, { count: text, retry }, run);
  const instrumented = (runner: Omit<SqlRunner, 'transaction'>, retry: boolean): Omit<SqlRunner, 'transaction'> => ({
    exec: (script) => sqlStatement(script, retry, () => runner.exec(script)),
    query: (text, params) => sqlStatement(text, retry, () => runner.query(text, params)),
  });
  const instrumentedSql: SqlRunner = {
    ...instrumented(sql, true),
    transaction: (work) =>
      statement('write', { name: 'db.transaction', attributes: {} }, { retry: true }, () => sql.transaction((tx) => work(instrumented(tx, false)))),
  };

  const prisma = client.$extends({
    query: {
      $allOperations({ model, operation, args, query }) {
        const attributes: Record<string, string> = { 'db.operation.name': operation };
        if (model !== undefined) attributes['db.collection.name'] = model;
        if (args instanceof Prisma.Sql) attributes['db.query.text'] = args.text;
        const name = `prisma ${model === undefined ? operation : `${model}.${operation}`}`;
        // Prisma reports each statement it sends (one call may send several): counted there.
        return statement(statementKind(operation, args), { name, attributes }, { retry: true }, () => query(args));
      },
    },
  }) as unknown as PrismaClient;

  return {
    kind,
    prisma,
    sql: instrumentedSql,
    poolStats,
    read: <Row>(sql: Prisma.Sql) => statement('read', { name: 'db.query', attributes: { 'db.query.text': sql.text } }, { count: sql.text, retry: true }, () => readRows<Row>(sql)),
    async ping() {
      await instrumentedSql.query('SELECT 1');
    },
    async close() {
      await client.$disconnect();
      await closeDriver();
    },
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cancelRequest,
    onRetry(listener) {
      retryListeners.add(listener);
      return () => retryListeners.delete(listener);
    },
  };
}
