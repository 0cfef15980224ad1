import { createServer, type RequestListener } from 'node:http';

import type { ErrorCode } from './error-codes.ts';
import { ConfigError, isLoopback, loadConfig, type Config } from './config.ts';
import type { Database } from './db/database.ts';
import { DataDirInUseError, openDatabase } from './db/open.ts';
import { readSecrets } from './db/secrets.ts';
import { ensureDemo } from './demo.ts';
import { createLogger, describeError, redact, type Logger } from './logger.ts';
import { connectRedis } from './security/redis.ts';
import { createLocalBus, createRedisBus, type EventBus } from './events/bus.ts';
import { createEventFeed, type EventFeed } from './events/feed.ts';
import { createGateway } from './server.ts';
import { createStatsMaintainer, type StatsView } from './stats.ts';
import { startTracing } from './tracing.ts';
import type { Lifecycle } from './http/health.ts';
import { prepareDatabase, StartupError, startupFailure } from './startup.ts';

/**
 * Takes the port before any other work, so that a port in use is reported at once rather than after the
 * database was migrated and seeded. Until the gateway is ready, GraphQL requests get 503 and /readyz says
 * "starting"; /healthz answers 200 (the process is alive).
 */
async function takePort(config: Config) {
  let ready: RequestListener | undefined;
  const server = createServer((request, response) => {
    if (ready !== undefined) return ready(request, response);
    const alive = request.url === '/healthz';
    response.writeHead(alive ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', ...(alive ? {} : { 'retry-after': '1' }) });
    response.end(
      JSON.stringify(
        alive
          ? { status: 'ok' }
          : request.url === '/readyz'
            ? { status: 'starting' }
            : { errors: [{ message: 'The gateway is starting. Retry in a moment.', extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ErrorCode } }] },
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new StartupError(
              `Cannot listen on ${config.host}:${config.port}: ${
                error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EACCES' ? 'permission denied' : 'no such address here'
              } (${error.code}). Set PORT or HOST to another value.`,
            )
          : error,
      ),
    );
    server.listen(config.port, config.host, resolve);
  });
  return { server, serve: (listener: RequestListener) => (ready = listener) };
}

/** Makes the database ready to serve (migrations, the demo's data) and the gateway over it. */
async function prepare(
  config: Config,
  db: Database,
  logger: Logger,
  redis: ReturnType<typeof connectRedis> | undefined,
  lifecycle: Lifecycle,
  stats: StatsView,
  bus: EventBus,
  feed: EventFeed,
) {
  await db.ping();
  await prepareDatabase(db, config, logger);
  const demoKey = db.kind === 'pglite' ? await ensureDemo(db, config.dataDir) : undefined;
  const secrets = await readSecrets(db.sql);
  // The key goes into GraphiQL's page only where no one else can load it.
  const graphiqlApiKey = demoKey !== undefined && isLoopback(config.host) ? demoKey : undefined;
  try {
    const gateway = createGateway({
      db,
      secrets,
      logger,
      security: config.security,
      redis,
      requestTimeoutMs: config.requestTimeoutMs,
      compile: config.compileOperations,
      metricsToken: config.metricsToken,
      lifecycle,
      graphiqlApiKey,
      stats,
      events: {
        bus,
        feed,
        perKey: config.events.perKey,
        buffer: config.events.buffer,
        perConnection: config.events.perConnection,
        keepAliveMs: config.events.keepAliveMs,
      },
    });
    return { gateway, demoKey, graphiqlApiKey };
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  // A failure that escapes a request's handling must not take every other request down with the process.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', describeError(reason)));
  process.on('uncaughtException', (error) => logger.error('uncaught exception', describeError(error)));
  const { server, serve } = await takePort(config);
  // Before anything that makes spans: the provider must be registered first.
  const stopTracing = config.tracing ? await startTracing() : undefined;
  const db = await openDatabase(config).catch((error: unknown) => {
    server.close();
    throw error;
  });
  if (config.logLevel === 'debug') db.onQuery((query) => logger.debug('sql', { query }));
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const lifecycle: Lifecycle = { draining: false };
  const stats = createStatsMaintainer(db, logger, { intervalMs: config.statsRefreshMs });
  // Step events travel between replicas through Redis; without it, this process has its own.
  const bus = redis === undefined ? createLocalBus() : createRedisBus(redis, logger);
  const feed = createEventFeed(db, bus, logger, { pollMs: config.events.pollMs, retentionMs: config.events.retentionMs });
  const { gateway, demoKey, graphiqlApiKey } = await prepare(config, db, logger, redis, lifecycle, stats, bus, feed).catch(async (error: unknown) => {
    // Release the port, Redis and the database (and the embedded data directory's lock) before reporting.
    server.close();
    await bus.close();
    redis?.disconnect();
    await db.close().catch(() => {});
    throw error;
  });
  serve(gateway);
  server.on('upgrade', gateway.webSockets.handleUpgrade);
  // Built on the first start over a database (Letta's tables meanwhile answer stepStats), then kept current.
  stats.start();
  // One process of the deployment reads what changed in the database and records its events.
  feed.start();

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/graphql`;
  const { security } = config;
  logger.info('gateway listening', {
    url,
    database: db.kind,
    tracing: config.tracing,
    introspection: security.introspection,
    graphiql: security.graphiql,
    trustedDocuments: security.trustedDocuments !== undefined,
    rateLimits: redis !== undefined ? 'redis' : 'in-process',
    stepEvents: redis !== undefined ? 'redis' : 'in-process',
  });
  if (config.logLevel !== 'silent') {
    const browser = !security.graphiql
      ? 'GraphiQL is off (GRAPHIQL=true serves it).\n'
      : graphiqlApiKey !== undefined
        ? 'Open the URL in a browser: GraphiQL has the key filled in.\n'
        : demoKey !== undefined
          ? `GraphiQL is at the URL, without the key (it is filled in only when HOST is a loopback address): add the header "Authorization: Bearer <key>".\n`
          : '';
    process.stderr.write(
      `\nsteps-gateway is running at ${url} (${db.kind === 'pglite' ? `embedded Postgres in ${config.dataDir}` : 'Postgres'})\n` +
        (demoKey !== undefined ? `Demo API key: ${demoKey}\n` : '') +
        browser +
        '\n',
    );
  }

  // Requests in flight, so that draining knows when it is done.
  let inFlight = 0;
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => (inFlight -= 1));
  });

  // Draining: /readyz turns 503 at once, so the load balancer stops sending; a new request gets 503 with
  // "Connection: close"; subscriptions are ended at once (an SSE stream ends with SERVICE_UNAVAILABLE, a
  // WebSocket closes as going away), so that clients resubscribe elsewhere rather than hold the drain; requests
  // in flight finish within the grace period. Then the listener and the pool are closed. Exit 0 when everything
  // finished, 1 when something had to be cut off.
  const stop = (signal: string) => {
    if (lifecycle.draining) return;
    lifecycle.draining = true;
    const started = Date.now();
    logger.info('draining', { signal, inFlight, subscriptions: gateway.events.hub.size(), graceMs: config.shutdownGraceMs });
    const closingEvents = gateway.events.close();
    gateway.webSockets.close();
    const finish = (cutOff: boolean) => {
      clearInterval(poll);
      clearTimeout(grace);
      // Closing the pool waits for its connections; a cut-off statement must not hold the exit for long.
      setTimeout(() => process.exit(1), 5000).unref();
      server.close();
      server.closeAllConnections();
      Promise.all([
        Promise.all([stats.stop(), feed.stop(), closingEvents])
          .then(() => bus.close())
          .then(() => redis?.disconnect())
          .then(() => db.close()),
        stopTracing?.().catch(() => {}),
      ]).then(
        () => {
          logger.info('stopped', { ms: Date.now() - started, cutOff });
          process.exit(cutOff ? 1 : 0);
        },
        (error: unknown) => {
          logger.error('closing the database failed', describeError(error));
          process.exit(1);
        },
      );
    };
    const poll = setInterval(() => {
      if (inFlight === 0) finish(false);
    }, 25);
    const grace = setTimeout(() => {
      logger.warn('grace period over: cutting off the requests still in flight', { inFlight, graceMs: config.shutdownGraceMs });
      finish(true);
    }, config.shutdownGraceMs);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof StartupError || error instanceof DataDirInUseError;
  process.stderr.write(`${redact(known ? error.message : startupFailure(error, process.env.DATABASE_URL))}\n`);
  // The stack of an unexpected failure, for whoever debugs it; one line is enough for everyone else.
  if (!known && process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exit(1);
});
