import type { Database } from '../../src/db/database.ts';
import { readSecrets } from '../../src/db/secrets.ts';
import { createLogger } from '../../src/logger.ts';
import { createGateway, type GatewayOptions } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface GraphQLResponse<Data = any> {
  status: number;
  headers: Headers;
  body: { data?: Data; errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[] };
}

/**
 * Security settings for functional tests: keys are looked up on every request (so statement counts are
 * exact) and no rate limit gets in the way of a suite that sends many requests with one key. The security
 * tests turn each protection on where they test it.
 */
export const FUNCTIONAL_TEST_SECURITY = { apiKeyCacheMs: 0, rateLimitPerMinute: 0, authFailuresPerMinute: 0 } as const;

/** The gateway over a fresh migrated database, driven in-process through its fetch handler. */
export async function createTestGateway(
  options: Pick<GatewayOptions, 'security' | 'redis' | 'requestTimeoutMs' | 'lifecycle' | 'compile' | 'metricsToken' | 'graphiqlApiKey' | 'stats' | 'events'> & {
    database?: TestDatabase;
  } = {},
) {
  const { database: given, security, ...gatewayOptions } = options;
  const database = given ?? (await createTestDatabase());
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
  const secrets = await readSecrets(database.db.sql);
  const gateway = createGateway({ db: database.db, secrets, logger, security: { ...FUNCTIONAL_TEST_SECURITY, ...security }, ...gatewayOptions });

  async function graphql<Data = any>(
    key: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<Data>> {
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<Data>['body'] };
  }

  return {
    db: database.db as Database,
    database,
    gateway,
    logLines,
    graphql,
    /** Runs `work` and returns the SQL statements it caused. */
    async statements<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
      const statements: string[] = [];
      const stop = database.db.onQuery((query) => statements.push(query));
      try {
        return { result: await work(), statements };
      } finally {
        stop();
      }
    },
    /** Sends a query that must succeed, and returns its body with the SQL statements it caused. */
    async queryStatements(key: string, query: string, variables: Record<string, unknown> = {}) {
      const { result, statements } = await this.statements(() => graphql(key, query, variables));
      if (result.body.errors !== undefined) throw new Error(`the query failed: ${JSON.stringify(result.body.errors)}`);
      return { body: result.body, statements };
    },
    close: () => database.drop(),
  };
}

export type TestGateway = Awaited<ReturnType<typeof createTestGateway>>;

