import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';

import { apiKeyAuth } from './auth/plugin.ts';
import type { Context } from './context.ts';
import type { Database } from './db/database.ts';
import { inputErrorCodes, maskError } from './errors.ts';
import { healthEndpoints } from './http/health.ts';
import { requestIds } from './http/request-id.ts';
import { createLoaders } from './loaders/index.ts';
import type { Logger } from './logger.ts';
import { schema } from './schema/index.ts';

export interface GatewayOptions {
  db: Database;
  logger: Logger;
  /** Fills GraphiQL's headers with this key (the embedded demo only). */
  graphiqlApiKey?: string;
}

const DEFAULT_QUERY = `# steps-gateway: press the run button to list the newest steps.
query NewestSteps {
  steps(first: 5) {
    totalCount
    nodes {
      id
      model
      status
      stopReason
      totalTokens
      feedback
      tags
      messages(first: 5) {
        nodes {
          role
          content {
            __typename
            ... on TextContent { text }
            ... on ToolCallContent { name input }
            ... on ReasoningContent { reasoning }
          }
        }
      }
      trace { id callType }
      metrics { stepNs llmRequestNs }
    }
  }
}
`;

/**
 * The gateway as a fetch handler: `gateway.fetch(request)` in tests, or a Node HTTP server's request
 * listener (`createServer(gateway)`) in production.
 */
export function createGateway({ db, logger, graphiqlApiKey }: GatewayOptions) {
  const ids = requestIds();
  const auth = apiKeyAuth(db, logger, ids.idOf);

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: logger,
    renderGraphiQL,
    graphiql: {
      title: 'steps-gateway',
      defaultQuery: DEFAULT_QUERY,
      ...(graphiqlApiKey !== undefined ? { headers: JSON.stringify({ Authorization: `Bearer ${graphiqlApiKey}` }, null, 2) } : {}),
    },
    plugins: [ids.plugin, healthEndpoints(db, logger, ids.idOf), auth.plugin, inputErrorCodes],
    context: ({ request }): Context => {
      const principal = auth.principalOf(request);
      return {
        db,
        logger,
        requestId: ids.idOf(request),
        organizationId: principal.organizationId,
        apiKeyId: principal.apiKeyId,
        loaders: createLoaders(db, principal.organizationId),
      };
    },
    maskedErrors: { maskError: maskError(logger) },
  });
}

export type Gateway = ReturnType<typeof createGateway>;
