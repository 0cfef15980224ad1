import { STATUS_CODES } from 'node:http';

import type { ErrorCode } from '../error-codes.ts';

export const UNEXPECTED = 'Unexpected error.';

/** A response with its status' reason phrase (`401 Unauthorized`), which Node would otherwise leave empty. */
export function response(body: BodyInit | null, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, statusText: STATUS_CODES[status] ?? '', headers });
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return response(JSON.stringify(body), status, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** A GraphQL-shaped error response for a request that never reached execution. */
export function errorResponse(status: number, message: string, code: ErrorCode, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { errors: [{ message, extensions: { code } }] }, headers);
}
