import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';

import { createKeyVerifier } from './auth/api-keys.ts';
import { createFeedbackTokens, feedbackTokenScope, verifyFeedbackToken } from './auth/feedback-tokens.ts';
import { apiKeyAuth } from './auth/plugin.ts';
import { DEFAULT_EVENTS, DEFAULT_SECURITY, type SecurityConfig } from './config.ts';
import { createCursors } from './cursors.ts';
import { createContext, type Context } from './context.ts';
import type { Database } from './db/database.ts';
import type { Secrets } from './db/secrets.ts';
import { clientErrorMessages, databaseFailures, inputErrorCodes, maskError } from './errors.ts';
import { compiledExecution } from './execution.ts';
import { requestDeadline } from './http/deadline.ts';
import { requestBodies } from './http/bodies.ts';
import { graphiql } from './http/graphiql.ts';
import { healthEndpoints, type Lifecycle } from './http/health.ts';
import { idempotencyKeys } from './http/idempotency.ts';
import { metrics } from './http/metrics.ts';
import { GRAPHQL_PATH } from './http/paths.ts';
import { requestIds } from './http/request-id.ts';
import { yogaLogger, type Logger } from './logger.ts';
import { schema } from './schema/index.ts';
import { corsPolicy, csrfPrevention, varyOnOrigin } from './security/browsers.ts';
import { queryLimits } from './security/query-limits.ts';
import { createAuthFailureLimiter, createRequestLimiter } from './security/rate-limits.ts';
import { documentId, readTrustedDocuments, trustedDocumentIdOf, trustedDocumentsOnly } from './security/trusted-documents.ts';
import { requestTracing } from './tracing.ts';
import { NO_STATS, type StatsView } from './stats.ts';
import { createLocalBus, type EventBus } from './events/bus.ts';
import { createGatewayEvents } from './events/gateway-events.ts';
import type { HubOptions } from './events/hub.ts';
import { subscriptionStreams } from './http/sse.ts';
import { webSockets } from './http/websocket.ts';
import { REST_OPERATIONS } from './rest/operations.ts';
import { lettaRest } from './rest/plugin.ts';

export interface GatewayOptions {
  db: Database;
  /** Sign cursors and feedback tokens; every replica of a deployment must have the same (readSecrets). */
  secrets: Secrets;
  logger: Logger;
  /** Fills GraphiQL's headers with this key (the embedded demo, listening on a loopback address, only). */
  graphiqlApiKey?: string;
  /** What clients may send; unset settings keep their defaults (config.ts). */
  security?: Partial<Omit<SecurityConfig, 'limits'>> & { limits?: Partial<SecurityConfig['limits']> };
  /** Shares rate-limit counts between replicas; without it each process counts on its own. */
  redis?: Redis | undefined;
  /** The deadline of every GraphQL request (default 20 s). */
  requestTimeoutMs?: number;
  /** Set `draining` when shutting down: /readyz turns 503 and new requests are refused. */
  lifecycle?: Lifecycle;
  /** Runs operations compiled by graphql-jit (default) rather than interpreted by graphql-js. */
  compile?: boolean;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** The pre-aggregated step statistics (stats.ts); without it, `stepStats` reads Letta's tables. */
  stats?: StatsView;
  /** Live updates: the bus events travel on between replicas (default: this process alone), and the limits of subscriptions. */
  events?: SubscriptionOptions;
}

export interface SubscriptionOptions extends Partial<HubOptions> {
  bus?: EventBus;
  /** The feed reader of this process, when it runs one: shown in /metrics. */
  feed?: { leading(): boolean };
  /** Operations one WebSocket may run at once. */
  perConnection?: number;
  /** How often an idle SSE stream gets a comment and a WebSocket a ping. */
  keepAliveMs?: number;
}


function resolveSecurity(overrides: GatewayOptions['security'] = {}): SecurityConfig {
  return { ...DEFAULT_SECURITY, ...overrides, limits: { ...DEFAULT_SECURITY.limits, ...overrides.limits } };
}

/**
 * The gateway as a fetch handler: `gateway.fetch(request)` in tests, or a Node HTTP server's request
 * listener (`createServer(gateway)`) in production.
 */
export function createGateway({
  db,
  secrets,
  logger,
  graphiqlApiKey,
  redis,
  requestTimeoutMs = 20_000,
  lifecycle = { draining: false },
  compile = true,
  metricsToken,
  stats = NO_STATS,
  events: subscriptions = {},
  ...options
}: GatewayOptions) {
  const security = resolveSecurity(options.security);
  const cursors = createCursors(secrets.cursor);
  const ids = requestIds();
  const keys = createKeyVerifier(db.prisma, security.apiKeyCacheMs);
  const feedbackTokens = createFeedbackTokens(secrets.feedbackToken);
  const auth = apiKeyAuth({
    verify: keys.verify,
    verifyToken: (token) => verifyFeedbackToken(feedbackTokens, keys, token),
    logger,
    requestIdOf: ids.idOf,
    requestLimiter: createRequestLimiter(security.rateLimitPerMinute, redis),
    authFailureLimiter: createAuthFailureLimiter(security.authFailuresPerMinute, redis),
    trustProxyHops: security.trustProxyHops,
  });
  const { bus = createLocalBus(), feed, perConnection = DEFAULT_EVENTS.perConnection, keepAliveMs = DEFAULT_EVENTS.keepAliveMs, ...hub } = subscriptions;
  const events = createGatewayEvents(db, bus, logger, hub);
  const rest = lettaRest({ maxBodyBytes: security.maxBodyBytes, logger, requestIdOf: ids.idOf, trustedDocumentsOnly: security.trustedDocuments !== undefined });
  const trusted = security.trustedDocuments === undefined ? undefined : readTrustedDocuments(security.trustedDocuments);
  // The operations behind Letta's REST routes are the gateway's own: trusted wherever documents are.
  for (const document of Object.values(REST_OPERATIONS)) trusted?.set(documentId(document), document);

  const plugins: Plugin[] = [
    // Before anything keys its state by the request: the request a REST PATCH is carried as.
    rest.patches,
    // First to see every result, so that what the others count and log is what the client gets.
    clientErrorMessages,
    ids.plugin,
    metrics(db, {
      token: metricsToken,
      logger,
      requestIdOf: ids.idOf,
      live: () => ({ subscriptions: events.hub.size(), webSockets: sockets.size(), eventsDelivered: events.hub.delivered(), feedLeader: feed?.leading() }),
    }).plugin,
    requestTracing(ids.idOf),
    healthEndpoints(db, logger, ids.idOf, lifecycle),
    graphiql({
      enabled: security.graphiql,
      apiKey: graphiqlApiKey,
      limiter: createRequestLimiter(security.graphiqlPerMinute, redis, 'graphiql'),
      trustProxyHops: security.trustProxyHops,
      logger,
      requestIdOf: ids.idOf,
    }),
    requestDeadline(db, requestTimeoutMs, logger, ids.idOf),
    auth.plugin,
    // Letta's REST routes: each runs as a GraphQL request from here on (rest/plugin.ts).
    rest.routes,
    idempotencyKeys({
      db,
      logger,
      requestIdOf: ids.idOf,
      principalOf: auth.principalOf,
      maxBodyBytes: security.maxBodyBytes,
      maxTokens: security.limits.tokens,
      documentOf: (params) => {
        if (trusted === undefined) return typeof params.query === 'string' ? params.query : undefined;
        const id = trustedDocumentIdOf(params);
        return id === null ? undefined : trusted.get(id);
      },
      requestTimeoutMs,
    }),
    csrfPrevention(),
    // After CSRF prevention: a body a cross-site form sends is told to carry a header, not to be JSON.
    requestBodies,
    // Subscriptions' events as SSE, each with its cursor as its id.
    subscriptionStreams(keepAliveMs),
    ...(security.corsOrigins.length > 0 ? [varyOnOrigin] : []),
    ...(trusted !== undefined ? [trustedDocumentsOnly(trusted)] : []),
    ...(security.introspection ? [] : [useDisableIntrospection() as Plugin]),
    ...queryLimits(security.limits),
    // After the document is parsed, validated and limited: what a feedback token may ask.
    feedbackTokenScope,
    // Before the plugins that read execution errors: it gives them back their locations.
    ...(compile ? compiledExecution() : []),
    inputErrorCodes,
    databaseFailures(logger),
  ];

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    logging: yogaLogger(logger),
    cors: corsPolicy(security),
    maxRequestBodySize: security.maxBodyBytes,
    batching: false,
    // Multipart is for file uploads; the API has none.
    multipart: false,
    ...(trusted !== undefined ? { extraParamNames: ['documentId'] } : {}),
    // Served by the graphiql plugin above: compressed, cached and rate-limited.
    graphiql: false,
    plugins,
    context: ({ request }): Context =>
      createContext(
        { db, logger, cursors, feedbackTokens, stats, events },
        { requestId: ids.idOf(request), principal: auth.principalOf(request), lastEventId: request.headers.get('last-event-id') ?? undefined },
      ),
    maskedErrors: { maskError: maskError(logger) },
  });
  // graphql-ws on the same endpoint: a Node server hands it its `upgrade` events (main.ts).
  const sockets = webSockets({ fetch: yoga.fetch, logger, lifecycle, perConnection, keepAliveMs, maxPayload: security.maxBodyBytes });
  return Object.assign(yoga, { events, webSockets: sockets });
}

export type Gateway = ReturnType<typeof createGateway>;
