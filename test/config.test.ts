import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('has defaults for everything: embedded Postgres under ./.data on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      databaseUrl: undefined,
      pool: { max: 10, connectionTimeoutMs: 5000, statementTimeoutMs: 15000, preparedStatements: true },
      migrateOnStart: true,
      logLevel: 'info',
      requestTimeoutMs: 20_000,
      shutdownGraceMs: 10_000,
    });
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'postgresql://user:secret@db:5432/letta',
      DATA_DIR: '/tmp/gw',
      DB_POOL_MAX: '25',
      DB_CONNECTION_TIMEOUT_MS: '2000',
      DB_STATEMENT_TIMEOUT_MS: '30000',
      DB_PREPARED_STATEMENTS: 'false',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: '5000',
      SHUTDOWN_GRACE_MS: '30000',
    });
    expect(config).toMatchObject({
      requestTimeoutMs: 5000,
      shutdownGraceMs: 30000,
      host: '0.0.0.0',
      port: 8080,
      databaseUrl: 'postgresql://user:secret@db:5432/letta',
      dataDir: '/tmp/gw',
      pool: { max: 25, connectionTimeoutMs: 2000, statementTimeoutMs: 30000, preparedStatements: false },
      migrateOnStart: false,
      logLevel: 'debug',
    });
  });

  it('rejects bad values, naming each variable and never echoing a connection string', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DB_POOL_MAX: '0', MIGRATE_ON_START: 'maybe', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://user:hunter2@x/db' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'DB_POOL_MAX', 'MIGRATE_ON_START', 'LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(name);
    expect(message).not.toContain('hunter2');
  });

  it('has safe security defaults, and reads every security setting', () => {
    expect(loadConfig({}).security).toEqual({
      limits: { depth: 12, aliases: 15, directives: 10, tokens: 2000, cost: 50_000, mutationFields: 5 },
      maxBodyBytes: 1_048_576,
      introspection: true,
      graphiql: true,
      graphiqlPerMinute: 60,
      corsOrigins: [],
      corsCredentials: false,
      trustedDocuments: undefined,
      rateLimitPerMinute: 1200,
      authFailuresPerMinute: 20,
      apiKeyCacheMs: 500,
      trustProxyHops: 0,
    });
    const config = loadConfig({
      GRAPHQL_MAX_DEPTH: '8',
      GRAPHQL_MAX_ALIASES: '4',
      GRAPHQL_MAX_DIRECTIVES: '3',
      GRAPHQL_MAX_TOKENS: '500',
      GRAPHQL_MAX_COST: '1000',
      GRAPHQL_MAX_MUTATION_FIELDS: '1',
      MAX_BODY_BYTES: '65536',
      GRAPHQL_INTROSPECTION: 'false',
      GRAPHIQL: 'false',
      GRAPHIQL_PER_MINUTE: '10',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      CORS_CREDENTIALS: 'true',
      TRUSTED_DOCUMENTS: '/etc/gw/trusted.json',
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_FAILURES_PER_MINUTE: '5',
      API_KEY_CACHE_MS: '0',
      TRUST_PROXY_HOPS: '1',
      REDIS_URL: 'redis://:secret@cache:6379',
    });
    expect(config.security).toEqual({
      limits: { depth: 8, aliases: 4, directives: 3, tokens: 500, cost: 1000, mutationFields: 1 },
      maxBodyBytes: 65536,
      introspection: false,
      graphiql: false,
      graphiqlPerMinute: 10,
      corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
      corsCredentials: true,
      trustedDocuments: '/etc/gw/trusted.json',
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 5,
      apiKeyCacheMs: 0,
      trustProxyHops: 1,
    });
    expect(config.redisUrl).toBe('redis://:secret@cache:6379');
  });

  it('turns introspection and GraphiQL off in production, unless told otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).security).toMatchObject({ introspection: false, graphiql: false });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true' }).security.graphiql).toBe(true);
    expect(loadConfig({}).security).toMatchObject({ introspection: true, graphiql: true });
  });

  it('rejects bad security settings, naming each, and never echoing a Redis URL', () => {
    let error: unknown;
    try {
      loadConfig({
        GRAPHQL_MAX_DEPTH: '0',
        MAX_BODY_BYTES: 'lots',
        CORS_ORIGINS: 'https://a.example.com/path,*',
        CORS_CREDENTIALS: 'true',
        API_KEY_CACHE_MS: '3600000',
        REDIS_URL: 'http://:topsecret@cache',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['GRAPHQL_MAX_DEPTH', 'MAX_BODY_BYTES', 'CORS_ORIGINS', 'CORS_CREDENTIALS', 'API_KEY_CACHE_MS', 'REDIS_URL']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('topsecret');
  });
});
