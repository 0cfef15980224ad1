import type { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaPGlite } from 'pglite-prisma-adapter';

import { Prisma, PrismaClient } from '../../prisma/generated/client/client.ts';
import { inSpan } from '../tracing.ts';
import { mayRetry } from './failures.ts';
import { requestScope, type RequestScope } from './request-scope.ts';

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

export interface ReadOptions {
  /**
   * Planned for its own values on every run (`each`), rather than as a prepared statement whose plan Postgres
   * may make generic after a few runs: for a statement whose best plan depends on its values (how wide a time
   * range is), and whose planning costs little beside its running.
   */
  plan?: 'each';
}

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
  read<Row>(sql: Prisma.Sql, options?: ReadOptions): Promise<Row[]>;
  /**
   * Runs a hand-written write that returns rows (an INSERT, UPDATE or a data-modifying WITH, with RETURNING)
   * the same way: the gateway's own writes of one statement. Sent once more only when a failure shows it
   * cannot have been applied.
   */
  write<Row>(sql: Prisma.Sql): Promise<Row[]>;
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
  /**
   * A connection of its own, outside the pool, for work that must stay on one session (a session-level
   * advisory lock and the work done while holding it). Its statements are counted and traced like any other,
   * and never sent again: a failure means the session may be gone. Embedded Postgres has one session, shared.
   */
  session(): Promise<Session>;
}

export interface Session {
  readonly sql: SqlRunner;
  close(): Promise<void>;
}

/** The type oid of Postgres' bigint (int8). */
export const INT8 = 20;

const READ_OPERATIONS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);

/** A statement that is a SELECT only reads; anything else may write. */
const kindOfText = (text: string): 'read' | 'write' => (/^\s*SELECT\b/i.test(text) ? 'read' : 'write');

/** Reads are model reads and raw statements that are a SELECT; anything else may write. */
function statementKind(operation: string, args: unknown): 'read' | 'write' {
  if (READ_OPERATIONS.has(operation)) return 'read';
  if (operation === '$queryRaw' && args instanceof Prisma.Sql) return kindOfText(args.strings[0] ?? '');
  return 'write';
}

/** What a driver (postgres.ts, pglite.ts) gives the database: its Prisma adapter, its SQL, its hand-written statements and its pool. */
export interface Driver {
  kind: DatabaseKind;
  adapter: PrismaPg | PrismaPGlite;
  /** The driver's own SQL runner; the database wraps it so that its statements take the one path. */
  sql: SqlRunner;
  /** Runs one hand-written statement (a read, or a write with RETURNING) and returns its rows typed as Prisma's. */
  runRows: <Row>(statement: Prisma.Sql, options?: ReadOptions) => Promise<Row[]>;
  poolStats: Database['poolStats'];
  close: () => Promise<void>;
  cancelRequest: (scope: RequestScope) => Promise<void>;
  session: () => Promise<Session>;
}

/** The database over a driver: Prisma and hand-written SQL, every statement through one path. */
export function createDatabase({ kind, adapter, sql, runRows, poolStats, close: closeDriver, cancelRequest, session }: Driver): Database {
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
  const instrumentedRunner = (runner: SqlRunner, retry: boolean): SqlRunner => ({
    ...instrumented(runner, retry),
    transaction: (work) =>
      statement('write', { name: 'db.transaction', attributes: {} }, { retry }, () => runner.transaction((tx) => work(instrumented(tx, false)))),
  });
  const instrumentedSql = instrumentedRunner(sql, true);

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
    read: <Row>(sql: Prisma.Sql, options?: ReadOptions) =>
      statement('read', { name: 'db.query', attributes: { 'db.query.text': sql.text } }, { count: sql.text, retry: true }, () => runRows<Row>(sql, options)),
    write: <Row>(sql: Prisma.Sql) => statement('write', { name: 'db.query', attributes: { 'db.query.text': sql.text } }, { count: sql.text, retry: true }, () => runRows<Row>(sql)),
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
    async session() {
      const own = await session();
      return { sql: instrumentedRunner(own.sql, false), close: own.close };
    },
    onRetry(listener) {
      retryListeners.add(listener);
      return () => retryListeners.delete(listener);
    },
  };
}
