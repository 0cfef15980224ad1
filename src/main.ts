import { createServer } from 'node:http';

import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Database } from './db/database.ts';
import { DataDirInUseError, openDatabase } from './db/open.ts';
import { ensureDemo } from './demo.ts';
import { createLogger, describeError, redact, type Logger } from './logger.ts';
import { createGateway } from './server.ts';
import { prepareDatabase, StartupError } from './startup.ts';

/** Prepares the database and starts listening; the demo key is set on embedded Postgres. */
async function listen(config: Config, db: Database, logger: Logger) {
  await prepareDatabase(db, config, logger);
  const demoKey = db.kind === 'pglite' ? await ensureDemo(db, config.dataDir) : undefined;
  const gateway = createGateway({ db, logger, ...(demoKey !== undefined ? { graphiqlApiKey: demoKey } : {}) });
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
  const { server, demoKey } = await listen(config, db, logger).catch(async (error: unknown) => {
    // Release the database (and the embedded data directory's lock) before reporting the failure.
    await db.close().catch(() => {});
    throw error;
  });

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info('gateway listening', { url, database: db.kind });
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
