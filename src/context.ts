import type { Cursors } from './cursors.ts';
import type { Database } from './db/database.ts';
import type { Loaders } from './loaders/index.ts';
import type { Logger } from './logger.ts';

/** What every resolver of one request sees. */
export interface Context {
  db: Database;
  logger: Logger;
  requestId: string;
  /** The organization of the request's API key: every read and write is scoped to it. */
  organizationId: string;
  apiKeyId: string;
  loaders: Loaders;
  /** Encodes and checks the cursors of every list (see cursors.ts). */
  cursors: Cursors;
}
