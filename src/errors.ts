import { GraphQLError } from 'graphql';

/**
 * The errors a client can expect and branch on, by `extensions.code`. Anything else that goes wrong is
 * masked as INTERNAL_SERVER_ERROR (see server.ts).
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'UNAUTHENTICATED';

export function expectedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badUserInput = (message: string, field?: string) =>
  expectedError('BAD_USER_INPUT', message, field === undefined ? {} : { field });

export const notFound = (message: string) => expectedError('NOT_FOUND', message);

export const unauthenticated = () =>
  expectedError('UNAUTHENTICATED', 'A valid API key is required: send it as "Authorization: Bearer <key>".', {
    http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
  });

/** A GraphQLError that we raised on purpose, as opposed to one wrapping an unexpected failure. */
export function isExpectedError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && typeof error.extensions.code === 'string' && error.originalError === undefined;
}
