import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  host: string;
  port: number;
  /** Postgres connection string; undefined means embedded Postgres (PGlite) under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  pool: {
    max: number;
    connectionTimeoutMs: number;
    statementTimeoutMs: number;
  };
  migrateOnStart: boolean;
  logLevel: LogLevel;
  /** Whether error responses may carry development details. Always false: kept explicit for clarity. */
  production: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates the environment once; every problem is reported by the variable's name. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };

  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${env[name]}")`);
    return fallback;
  };

  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${values.join(', ')} (got "${env[name]}")`);
    return fallback;
  };

  let databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined) {
    let valid = false;
    try {
      valid = ['postgres:', 'postgresql:'].includes(new URL(databaseUrl).protocol);
    } catch {
      valid = false;
    }
    if (!valid) {
      // Never echo the value: it may hold a password.
      problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
      databaseUrl = undefined;
    }
  }

  const host = env.HOST?.trim() || '127.0.0.1';
  if (/\s/.test(host)) problems.push(`HOST must be a host name or address (got "${host}")`);

  const config: Config = {
    host,
    port: integer('PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR?.trim() || './.data'),
    pool: {
      max: integer('DB_POOL_MAX', 10, 1, 1000),
      connectionTimeoutMs: integer('DB_CONNECTION_TIMEOUT_MS', 5000, 100, 600_000),
      statementTimeoutMs: integer('DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
    },
    migrateOnStart: boolean('MIGRATE_ON_START', true),
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    production: env.NODE_ENV === 'production',
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
