/** Where the gateway serves its APIs: GraphQL, and Letta's REST API for steps. */

export const GRAPHQL_PATH = '/graphql';

/** Letta's REST routes live under `/v1/`, as on Letta's own server. */
export const isLettaApiPath = (pathname: string): boolean => pathname === '/v1' || pathname.startsWith('/v1/');

/** A request to one of the APIs: authenticated, rate-limited, bounded by the deadline, logged, counted and traced alike. */
export const isApiPath = (pathname: string): boolean => pathname === GRAPHQL_PATH || isLettaApiPath(pathname);
