import { createServer } from 'node:http';

import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Database } from './db/database.ts';
import { DataDirInUseError, openDatabase } from './db/open.ts';
import { readCursorSecret } from './db/secrets.ts';
import { ensureDemo } from './demo.ts';
import { createLogger, describeError, redact, type Logger } from './logger.ts';
import { connectRedis } from './security/redis.ts';
import { createGateway } from './server.ts';
import { startTracing } from './tracing.ts';
import type { Lifecycle } from './http/health.ts';
import { prepareDatabase, StartupError } from './startup.ts';

/** Prepares the database and starts listening; the demo key is set on embedded Postgres. */
async function listen(config: Config, db: Database, logger: Logger, redis: ReturnType<typeof connectRedis> | undefined, lifecycle: Lifecycle) {
  await prepareDatabase(db, config, logger);
  const demoKey = db.kind === 'pglite' ? await ensureDemo(db, config.dataDir) : undefined;
  const cursorSecret = await readCursorSecret(db.sql);
  let gateway;
  try {
    gateway = createGateway({
      db,
      cursorSecret,
      logger,
      security: config.security,
      redis,
      requestTimeoutMs: config.requestTimeoutMs,
      compile: config.compileOperations,
      metricsToken: config.metricsToken,
      lifecycle,
      ...(demoKey !== undefined ? { graphiqlApiKey: demoKey } : {}),
    });
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
  const server = createServer(gateway);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new StartupError(`Cannot listen on ${config.host}:${config.port} (${error.code}): set PORT or HOST to another value.`)
          : error,
      ),
    );
    server.listen(config.port, config.host, resolve);
  });
  return { server, demoKey };
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  // A failure that escapes a request's handling must not take every other request down with the process.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', describeError(reason)));
  process.on('uncaughtException', (error) => logger.error('uncaught exception', describeError(error)));
  // Before anything that makes spans: the provider must be registered first.
  const stopTracing = config.tracing ? await startTracing() : undefined;
  const db = await openDatabase(config);
  if (config.logLevel === 'debug') db.onQuery((query) => logger.debug('sql', { query }));
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const lifecycle: Lifecycle = { draining: false };
  const { server, demoKey } = await listen(config, db, logger, redis, lifecycle).catch(async (error: unknown) => {
    // Release the database (and the embedded data directory's lock) before reporting the failure.
    redis?.disconnect();
    await db.close().catch(() => {});
    throw error;
  });

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
    trustedDocuments: security.trustedDocuments !== undefined,
    rateLimits: redis !== undefined ? 'redis' : 'in-process',
  });
  if (config.logLevel !== 'silent') {
    process.stderr.write(
      `\nsteps-gateway is running at ${url} (${db.kind === 'pglite' ? `embedded Postgres in ${config.dataDir}` : 'Postgres'})\n` +
        (demoKey !== undefined ? `Demo API key: ${demoKey}\nOpen the URL in a browser: GraphiQL has the key filled in.\n` : '') +
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
  // "Connection: close"; requests in flight finish within the grace period. Then the listener and the pool
  // are closed. Exit 0 when everything finished, 1 when something had to be cut off.
  const stop = (signal: string) => {
    if (lifecycle.draining) return;
    lifecycle.draining = true;
    const started = Date.now();
    logger.info('draining', { signal, inFlight, graceMs: config.shutdownGraceMs });
    const finish = (cutOff: boolean) => {
      clearInterval(poll);
      clearTimeout(grace);
      // Closing the pool waits for its connections; a cut-off statement must not hold the exit for long.
      setTimeout(() => process.exit(1), 5000).unref();
      server.close();
      server.closeAllConnections();
      redis?.disconnect();
      Promise.all([db.close(), stopTracing?.().catch(() => {})]).then(
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
  if (error instanceof ConfigError || error instanceof StartupError || error instanceof DataDirInUseError) {
    process.stderr.write(`${redact(error.message)}\n`);
  } else {
    process.stderr.write(`Failed to start: ${redact(JSON.stringify(describeError(error)))}\n`);
  }
  process.exit(1);
});
