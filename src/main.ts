import { createServer } from 'node:http';

import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Database } from './db/database.ts';
import { DataDirInUseError, openDatabase } from './db/open.ts';
import { ensureDemo } from './demo.ts';
import { createLogger, describeError, redact, type Logger } from './logger.ts';
import { connectRedis } from './security/redis.ts';
import { createGateway } from './server.ts';
import { prepareDatabase, StartupError } from './startup.ts';

/** Prepares the database and starts listening; the demo key is set on embedded Postgres. */
async function listen(config: Config, db: Database, logger: Logger, redis: ReturnType<typeof connectRedis> | undefined) {
  await prepareDatabase(db, config, logger);
  const demoKey = db.kind === 'pglite' ? await ensureDemo(db, config.dataDir) : undefined;
  let gateway;
  try {
    gateway = createGateway({ db, logger, security: config.security, redis, ...(demoKey !== undefined ? { graphiqlApiKey: demoKey } : {}) });
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
  const db = await openDatabase(config);
  if (config.logLevel === 'debug') db.onQuery((query) => logger.debug('sql', { query }));
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const { server, demoKey } = await listen(config, db, logger, redis).catch(async (error: unknown) => {
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

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.close(() => {
      redis?.disconnect();
      db.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
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
