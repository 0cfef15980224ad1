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
    /** Whether the hot reads run as named prepared statements, planned once per connection (see db/prepared.ts). */
    preparedStatements: boolean;
  };
  migrateOnStart: boolean;
  logLevel: LogLevel;
  /** Every GraphQL request is answered (504 TIMEOUT at the latest) and its statements cancelled by then. */
  requestTimeoutMs: number;
  /** Whether operations run compiled by graphql-jit (faster) rather than interpreted by graphql-js. */
  compileOperations: boolean;
  /** When set, Prometheus' scrape of /metrics must send `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** OpenTelemetry traces, exported over OTLP (the OTEL_EXPORTER_OTLP_* variables say where). */
  tracing: boolean;
  /** On SIGTERM, how long in-flight requests may take to finish before they are cut off. */
  shutdownGraceMs: number;
  /** How often the pre-aggregated step statistics are brought up to date (src/stats.ts); 0 keeps none, and `stepStats` reads Letta's tables. */
  statsRefreshMs: number;
  /** Live updates (subscriptions to step events). */
  events: {
    /** How often this process reads what changed in the database while it leads the feed (one process leads); 0: it never reads it. */
    pollMs: number;
    /** How long events are kept for subscribers that resume after a disconnect. */
    retentionMs: number;
    /** Subscriptions one API key may hold on this process. */
    perKey: number;
    /** Operations one WebSocket may run at once. */
    perConnection: number;
    /** Events a subscription may have waiting before it is closed as too slow. */
    buffer: number;
    /** How often an idle SSE stream gets a comment and a WebSocket a ping. */
    keepAliveMs: number;
  };
  security: SecurityConfig;
  /** Redis for state shared between replicas (rate limits, step events); undefined keeps it in each process. */
  redisUrl: string | undefined;
  /** NODE_ENV=production: settings with a production default (introspection, GraphiQL) take it. Errors are masked either way. */
  production: boolean;
}

/** What the gateway accepts from clients; every limit has a setting (see the README's Security section). */
export interface SecurityConfig {
  limits: {
    /** Deepest selection nesting. */
    depth: number;
    /** Most aliases in one document. */
    aliases: number;
    /** Most directives in one document. */
    directives: number;
    /** Most lexical tokens in one document. */
    tokens: number;
    /** Highest cost: every field costs 1, and a page of n items multiplies its selection by n. */
    cost: number;
    /** Most fields in one mutation operation (each is a write). */
    mutationFields: number;
  };
  /** Largest request body, in bytes; larger ones get 413. */
  maxBodyBytes: number;
  /** Whether `__schema` and `__type` may be queried. */
  introspection: boolean;
  /** Whether GraphiQL is served to browsers at /graphql. */
  graphiql: boolean;
  /** GraphiQL pages per minute per client address; 0 turns the limit off. */
  graphiqlPerMinute: number;
  /** Origins allowed to call from a browser (CORS); empty allows none. `*` allows any. */
  corsOrigins: string[];
  /** Whether browsers may send credentials (cookies) cross-origin. */
  corsCredentials: boolean;
  /** A trusted-documents manifest: when set, only the operations it holds run. */
  trustedDocuments: string | undefined;
  /** Requests per minute per API key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per client address before the address is refused; 0 turns it off. */
  authFailuresPerMinute: number;
  /** How long a checked key is trusted without asking the database again, in ms (bounds revocation delay). */
  apiKeyCacheMs: number;
  /** How many proxies in front of the gateway append to X-Forwarded-For; 0 uses the socket's address. */
  trustProxyHops: number;
}

export const DEFAULT_SECURITY: SecurityConfig = {
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
};

/** The settings of live updates that a gateway made without them (tests) takes too. */
export const DEFAULT_EVENTS: Config['events'] = { pollMs: 250, retentionMs: 3_600_000, perKey: 100, perConnection: 25, buffer: 1000, keepAliveMs: 12_000 };

/** Whether an address to listen on is reachable from this machine only. */
export const isLoopback = (host: string) => /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);

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

  const optionalUrl = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name]?.trim() || undefined;
    if (raw === undefined) return undefined;
    try {
      if (protocols.includes(new URL(raw).protocol)) return raw;
    } catch {
      // reported below
    }
    // Never echo the value: it may hold a password.
    problems.push(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
    return undefined;
  };

  const production = env.NODE_ENV === 'production';
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    let valid = origin === '*';
    try {
      valid ||= new URL(origin).origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) problems.push(`CORS_ORIGINS must list origins like https://app.example.com, comma-separated (got "${origin}")`);
  }
  const defaults = DEFAULT_SECURITY;
  const security: SecurityConfig = {
    limits: {
      depth: integer('GRAPHQL_MAX_DEPTH', defaults.limits.depth, 1, 1000),
      aliases: integer('GRAPHQL_MAX_ALIASES', defaults.limits.aliases, 0, 10_000),
      directives: integer('GRAPHQL_MAX_DIRECTIVES', defaults.limits.directives, 0, 10_000),
      tokens: integer('GRAPHQL_MAX_TOKENS', defaults.limits.tokens, 10, 1_000_000),
      cost: integer('GRAPHQL_MAX_COST', defaults.limits.cost, 1, 1_000_000_000),
      mutationFields: integer('GRAPHQL_MAX_MUTATION_FIELDS', defaults.limits.mutationFields, 1, 1000),
    },
    maxBodyBytes: integer('MAX_BODY_BYTES', defaults.maxBodyBytes, 1024, 1_073_741_824),
    introspection: boolean('GRAPHQL_INTROSPECTION', !production),
    graphiql: boolean('GRAPHIQL', !production),
    graphiqlPerMinute: integer('GRAPHIQL_PER_MINUTE', defaults.graphiqlPerMinute, 0, 1_000_000),
    corsOrigins,
    corsCredentials: boolean('CORS_CREDENTIALS', defaults.corsCredentials),
    trustedDocuments: env.TRUSTED_DOCUMENTS?.trim() ? path.resolve(env.TRUSTED_DOCUMENTS.trim()) : undefined,
    rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', defaults.rateLimitPerMinute, 0, 10_000_000),
    authFailuresPerMinute: integer('AUTH_FAILURES_PER_MINUTE', defaults.authFailuresPerMinute, 0, 1_000_000),
    apiKeyCacheMs: integer('API_KEY_CACHE_MS', defaults.apiKeyCacheMs, 0, 60_000),
    trustProxyHops: integer('TRUST_PROXY_HOPS', defaults.trustProxyHops, 0, 10),
  };
  if (security.corsCredentials && corsOrigins.includes('*')) {
    problems.push('CORS_CREDENTIALS=true needs CORS_ORIGINS to list origins, not "*"');
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
      preparedStatements: boolean('DB_PREPARED_STATEMENTS', true),
    },
    migrateOnStart: boolean('MIGRATE_ON_START', true),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 20_000, 100, 3_600_000),
    compileOperations: boolean('GRAPHQL_JIT', true),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    tracing: boolean('OTEL_TRACING', false),
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 10_000, 0, 3_600_000),
    statsRefreshMs: integer('STATS_REFRESH_MS', 1000, 0, 60_000),
    events: {
      pollMs: integer('EVENTS_POLL_MS', DEFAULT_EVENTS.pollMs, 0, 60_000),
      retentionMs: integer('EVENTS_RETENTION_MS', DEFAULT_EVENTS.retentionMs, 60_000, 7 * 86_400_000),
      perKey: integer('SUBSCRIPTIONS_PER_KEY', DEFAULT_EVENTS.perKey, 1, 100_000),
      perConnection: integer('SUBSCRIPTIONS_PER_CONNECTION', DEFAULT_EVENTS.perConnection, 1, 10_000),
      buffer: integer('SUBSCRIPTION_BUFFER', DEFAULT_EVENTS.buffer, 10, 1_000_000),
      keepAliveMs: integer('SUBSCRIPTION_KEEPALIVE_MS', DEFAULT_EVENTS.keepAliveMs, 1000, 600_000),
    },
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    production,
    security,
    redisUrl: optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
