/**
 * Every `extensions.code` a client can get, with what it means: the one list the code, the README and the
 * tests agree on. A code outside it does not type-check.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 'A malformed id, cursor, filter or variable; nothing is written.',
  NOT_FOUND: 'What was asked for does not exist in your organization.',
  UNAUTHENTICATED: 'No valid API key or feedback token, or a feedback token used for another step or criterion (HTTP 401).',
  FORBIDDEN: 'The key may not do this (naming an end user without the permission to, deleting another key\'s entry), or a feedback token asked for more than submitting its feedback (HTTP 403).',
  UNCONVERTIBLE_MESSAGE: "A message that Letta's own server cannot show as LettaMessages (its endpoint fails on it); `extensions.reason` says why.",
  TOO_MANY_MESSAGES: "A step with more message rows than Letta's view converts at once (1,000): read them with `Step.messages`.",
  GRAPHQL_PARSE_FAILED: 'The document is not GraphQL.',
  GRAPHQL_VALIDATION_FAILED: 'The document does not fit the schema.',
  QUERY_TOO_COMPLEX: 'The document is over one of the limits (depth, aliases, tokens, cost, ...).',
  RATE_LIMITED: 'Too many requests (HTTP 429, with Retry-After).',
  CSRF_HEADER_REQUIRED: 'A browser request without the header that proves it is not forged (HTTP 403).',
  REQUEST_ENTITY_TOO_LARGE: 'The body is over the size limit (HTTP 413).',
  UNSUPPORTED_MEDIA_TYPE: 'A compressed body, or a content type other than JSON (HTTP 415).',
  METHOD_NOT_ALLOWED: 'An HTTP method the endpoint does not answer (HTTP 405).',
  BAD_REQUEST: 'A body that is not a GraphQL request, or a malformed header (HTTP 400).',
  PERSISTED_QUERY_NOT_FOUND: 'A trusted document id the gateway does not know.',
  PERSISTED_QUERY_ONLY: 'The gateway runs trusted documents only, and the request sent a document.',
  PERSISTED_QUERY_ID_REQUIRED: 'The gateway runs trusted documents only, and the request named none.',
  SERVICE_UNAVAILABLE: 'The database is down or restarting, or the gateway is starting or stopping (HTTP 503 with Retry-After when nothing could be served).',
  TIMEOUT: 'The request or its statement took too long (HTTP 504).',
  CURSOR_EXPIRED: 'A subscription was to resume after an event no longer kept (EVENTS_RETENTION_MS): fetch what you show again, then subscribe without `after`.',
  TOO_MANY_SUBSCRIPTIONS: 'The key holds as many subscriptions on the gateway process as it may, or the WebSocket connection as many operations.',
  SLOW_CONSUMER: 'A subscription fell too far behind the events (more were waiting than the bound) and was closed: subscribe again with `after` set to the last cursor received.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used for another request (HTTP 422).',
  IDEMPOTENCY_KEY_IN_USE: 'A request with the Idempotency-Key is still running (HTTP 409, with Retry-After).',
  INTERNAL_SERVER_ERROR: 'Anything unexpected: the message is "Unexpected error." and nothing else.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
