import type { Principal } from './auth/principal.ts';
import type { FeedbackTokens } from './auth/feedback-tokens.ts';
import type { Cursors } from './cursors.ts';
import type { Database } from './db/database.ts';
import type { GatewayEvents } from './events/gateway-events.ts';
import { createLoaders, type Loaders } from './loaders/index.ts';
import { forbidden } from './errors.ts';
import type { Logger } from './logger.ts';
import type { StatsView } from './stats.ts';

/** What every resolver of one request sees. */
export interface Context {
  db: Database;
  logger: Logger;
  requestId: string;
  /** The organization of the request's API key: every read and write is scoped to it. */
  organizationId: string;
  apiKeyId: string;
  /** Who the request acts as: the key, its name and permissions, and a feedback token's claims when it carries one. */
  principal: Principal;
  /** A subscription's loaders are its current delivery's (schema/step-event.ts): each event is read afresh. */
  loaders: Loaders;
  /** Encodes and checks the cursors of every list (see cursors.ts). */
  cursors: Cursors;
  /** Signs the feedback tokens that createFeedbackToken returns. */
  feedbackTokens: FeedbackTokens;
  /** Whether the pre-aggregated step statistics may answer `stepStats` now. */
  stats: StatsView;
  /** Live updates: this process's subscriptions, and the events of the gateway's own writes. */
  events: GatewayEvents;
  /** The `Last-Event-ID` header of a reconnecting SSE client: where its subscription resumes. */
  lastEventId: string | undefined;
}

/** What the contexts of a gateway share: one database, one logger, the signers of cursors and feedback tokens. */
export interface ContextDeps {
  db: Database;
  logger: Logger;
  cursors: Cursors;
  feedbackTokens: FeedbackTokens;
  /** Whether the pre-aggregated step statistics may answer `stepStats` now. */
  stats: StatsView;
  events: GatewayEvents;
}

/**
 * Refuses a request made with a feedback token: everything but submitting its feedback needs a key. The
 * token's scope is checked before execution (auth/feedback-tokens.ts); each root field but the submission
 * checks it again, so that no path of the schema depends on that check alone.
 */
export function requireKey(ctx: Context): void {
  if (ctx.principal.feedbackToken !== undefined) {
    throw forbidden('A feedback token may only run submitStepFeedback: this needs an API key.', 403);
  }
}

/**
 * The context of one request, for the organization of its API key. Loaders are made afresh for every
 * request, so that one tenant's cached rows can never answer another's request.
 */
export function createContext(deps: ContextDeps, request: { requestId: string; principal: Principal; lastEventId?: string | undefined }): Context {
  return {
    ...deps,
    lastEventId: request.lastEventId,
    requestId: request.requestId,
    organizationId: request.principal.organizationId,
    apiKeyId: request.principal.apiKeyId,
    principal: request.principal,
    loaders: createLoaders(deps.db, request.principal.organizationId),
  };
}
