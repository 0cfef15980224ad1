import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

import type { Prisma } from '../../prisma/generated/client/client.ts';
import { createDatabase, INT8, type Database, type ReadOptions, type SqlRunner } from './database.ts';
import { queryPrepared } from './prepared.ts';
import { RequestAbortedError, requestScope, type RequestScope } from './request-scope.ts';

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

const parserOf = (oid: number, format?: 'text' | 'binary') => (oid === INT8 ? BigInt : pg.types.getTypeParser(oid, format));

/** Opens Postgres through a pg pool whose size and timeouts are always set explicitly. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName ?? 'steps-gateway',
    // bigint as bigint, as Prisma reads it (pg's default is a string). Prisma's own statements bring their parsers.
    types: { getTypeParser: parserOf as typeof pg.types.getTypeParser },
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would
  // crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  const cancelled = trackConnections(pool);

  const runner = (client: pg.Pool | pg.PoolClient | pg.Client): Omit<SqlRunner, 'transaction'> => ({
    async exec(script) {
      await client.query(script);
    },
    async query(text, params = []) {
      const result = await client.query(text, params);
      return result.rows;
    },
  });

  const inTransaction = async <T>(client: pg.PoolClient | pg.Client, work: (sql: Omit<SqlRunner, 'transaction'>) => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      const result = await work(runner(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  };

  /**
   * Runs `work` on a pooled connection, as pool.query does: a connection that fails while in hand (between a
   * transaction's statements, say) reports it through the next statement rather than as an 'error' nobody
   * listens to, and one that failed, or whose statement failed, is closed rather than handed on.
   */
  const inHand = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let failed: Error | undefined;
    const onError = (error: Error) => {
      failed ??= error;
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      failed ??= error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(failed);
    }
  };
  const sql: SqlRunner = {
    ...runner(pool),
    transaction: (work) => inHand((client) => inTransaction(client, work)),
  };

  /**
   * A connection of its own, with the pool's settings. TCP keep-alives on both ends notice a peer that went
   * away without a word (a host down, a network cut) within about 15 s: the server then ends the session, and
   * what it held (the feed reader's lock) goes to another replica.
   */
  async function session() {
    const client = new pg.Client({
      connectionString: options.url,
      options: '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3',
      connectionTimeoutMillis: options.connectionTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      application_name: `${options.applicationName ?? 'steps-gateway'} session`,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      types: { getTypeParser: parserOf as typeof pg.types.getTypeParser },
    });
    // A lost connection is reported by the next statement; the 'error' event must not crash the process.
    client.on('error', () => {});
    await client.connect();
    const own: SqlRunner = { ...runner(client), transaction: (work) => inTransaction(client, work) };
    return { sql: own, close: () => client.end().catch(() => {}) };
  }

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

  const read = async <Row>(statement: Prisma.Sql, readOptions: ReadOptions = {}) => {
    if (options.preparedStatements === false || readOptions.plan === 'each') return (await pool.query({ text: statement.text, values: statement.values })).rows as Row[];
    return inHand((client) => queryPrepared<Row>(client, statement.text, statement.values));
  };
  const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolMax });
  return createDatabase({ kind: 'postgres', adapter: new PrismaPg(pool), sql, runRows: read, poolStats, close: () => pool.end(), cancelRequest, session });
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
