export const UNEXPECTED = 'Unexpected error.';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** A GraphQL-shaped error response for a request that never reached execution. */
export function errorResponse(status: number, message: string, code: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { errors: [{ message, extensions: { code } }] }, headers);
}
