/** Where the gateway serves its APIs: GraphQL, and Letta's REST API for steps. */

export const GRAPHQL_PATH = '/graphql';

/** Letta's REST routes live under `/v1/`, as on Letta's own server. */
export const isLettaApiPath = (pathname: string): boolean => pathname === '/v1' || pathname.startsWith('/v1/');

/** A request to one of the APIs: authenticated, rate-limited, bounded by the deadline, logged, counted and traced alike. */
export const isApiPath = (pathname: string): boolean => pathname === GRAPHQL_PATH || isLettaApiPath(pathname);

/** Requests carried through the pipeline under another method than the client's (see rest/plugin.ts). */
const carried = new WeakMap<Request, string>();

/** Records that `request` stands for one the client sent with `method`. */
export function carriedAs(request: Request, method: string): void {
  carried.set(request, method);
}

/** The method the client sent: what logs, metrics and traces report. */
export const clientMethodOf = (request: Request): string => carried.get(request) ?? request.method;
