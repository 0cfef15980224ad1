import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('has defaults for everything: embedded Postgres under ./.data on 127.0.0.1:4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      databaseUrl: undefined,
      pool: { max: 10, connectionTimeoutMs: 5000, statementTimeoutMs: 15000 },
      migrateOnStart: true,
      logLevel: 'info',
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
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      databaseUrl: 'postgresql://user:secret@db:5432/letta',
      dataDir: '/tmp/gw',
      pool: { max: 25, connectionTimeoutMs: 2000, statementTimeoutMs: 30000 },
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
});
