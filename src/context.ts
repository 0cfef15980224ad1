import type { Principal } from './auth/api-keys.ts';
import type { Cursors } from './cursors.ts';
import type { Database } from './db/database.ts';
import { createLoaders, type Loaders } from './loaders/index.ts';
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

/** What the contexts of a gateway share: one database, one logger, one cursor secret. */
export interface ContextDeps {
  db: Database;
  logger: Logger;
  cursors: Cursors;
}

/**
 * The context of one request, for the organization of its API key. Loaders are made afresh for every
 * request, so that one tenant's cached rows can never answer another's request.
 */
export function createContext(deps: ContextDeps, request: { requestId: string; principal: Principal }): Context {
  return {
    ...deps,
    requestId: request.requestId,
    organizationId: request.principal.organizationId,
    apiKeyId: request.principal.apiKeyId,
    loaders: createLoaders(deps.db, request.principal.organizationId),
  };
}
