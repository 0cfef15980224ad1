import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

import { classifyDatabaseError, type DatabaseFailure } from './db/failures.ts';
import type { ErrorCode } from './error-codes.ts';
import { errorResponse, UNEXPECTED } from './http/responses.ts';
import { describeError, type Logger } from './logger.ts';

/**
 * An error a client can expect and branch on, by `extensions.code` (see error-codes.ts). Anything else that
 * goes wrong is masked as INTERNAL_SERVER_ERROR (see maskError below).
 */
export function expectedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badUserInput = (message: string, field?: string) =>
  expectedError('BAD_USER_INPUT', message, field === undefined ? {} : { field });

export const notFound = (message: string) => expectedError('NOT_FOUND', message);

/** What the request's key (or feedback token) may not do; `status` 403 where nothing else is served. */
export const forbidden = (message: string, status?: 403) => expectedError('FORBIDDEN', message, status === undefined ? {} : { http: { status } });

export const unauthenticated = () =>
  expectedError('UNAUTHENTICATED', 'A valid API key is required: send it as "Authorization: Bearer <key>".', {
    http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
  });

/**
 * Yoga's `maskError`, whatever NODE_ENV says: expected errors (ours, parse and validation errors) keep their
 * message and code; anything else becomes a bare INTERNAL_SERVER_ERROR with no message, stack or original
 * error, and the operator's log gets the cause.
 */
export function maskError(logger: Logger) {
  return (error: unknown): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (original == null || (original instanceof GraphQLError && original.originalError == null)) {
        // Yoga describes a body that is not JSON with the parser's own message; the code says enough. Yoga
        // also keys its 400 on that description, so the status is made explicit.
        const extensions = error.extensions as Record<string, unknown>;
        if ('originalError' in extensions) {
          delete extensions.originalError;
          extensions.http = { ...(extensions.http as object | undefined), spec: false };
        }
        return error;
      }
    }
    logger.error('unexpected error', describeError(error instanceof GraphQLError ? (error.originalError ?? error) : error));
    return new GraphQLError(UNEXPECTED, {
      extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode },
      ...(error instanceof GraphQLError ? whereIn(error) : {}),
    });
  };
}

/** Where an error happened in the document (what its locations are computed from) and its path. */
export const whereIn = (error: GraphQLError) => ({ nodes: error.nodes, source: error.source, positions: error.positions, path: error.path });

/** How a passing database failure reads to a client: a code to retry on, an HTTP status when nothing was served. */
const databaseFailureResponses: Record<DatabaseFailure, { code: ErrorCode; message: string; status: number }> = {
  unavailable: { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable. Retry in a moment.', status: 503 },
  conflict: { code: 'SERVICE_UNAVAILABLE', message: 'The database is busy with a conflicting write. Retry in a moment.', status: 503 },
  timeout: { code: 'TIMEOUT', message: 'The database took too long to answer.', status: 504 },
};

/**
 * The response to an error met before execution (while checking a key, or an Idempotency-Key): a passing
 * database failure as 503 or 504 with Retry-After, anything else masked as a 500.
 */
export function failureResponse(error: unknown): Response {
  const failure = classifyDatabaseError(error);
  if (failure === undefined) return errorResponse(500, UNEXPECTED, 'INTERNAL_SERVER_ERROR');
  const response = databaseFailureResponses[failure];
  return errorResponse(response.status, response.message, response.code, { 'retry-after': '1' });
}

/**
 * Database outages, timeouts and lost conflicts are not bugs: the client gets SERVICE_UNAVAILABLE or TIMEOUT
 * (still masked: nothing of the driver's message) and may retry; when nothing could be served, the response
 * is HTTP 503 (504 for a timeout) with Retry-After. The operator's log gets the cause.
 */
export function databaseFailures(logger: Logger): Plugin {
  return everyResult((result) => {
    if (result.errors === undefined) return undefined;
    let worst: { status: number } | undefined;
    const errors = result.errors.map((error) => {
      const failure = classifyDatabaseError(error.originalError);
      if (failure === undefined) return error;
      logger.warn('database failure', { failure, path: error.path, ...describeError(error.originalError) });
      const response = databaseFailureResponses[failure];
      if (worst === undefined || response.status < worst.status) worst = response;
      return new GraphQLError(response.message, { ...whereIn(error), extensions: { code: response.code } });
    });
    const data = result.data;
    const nothingServed = data == null || Object.values(data).every((value) => value === null);
    const http = worst !== undefined && nothingServed ? { status: worst.status, headers: { 'Retry-After': '1' } } : undefined;
    return { ...result, errors, ...(http !== undefined ? { extensions: { ...result.extensions, http } } : {}) };
  });
}

/**
 * graphql-js reports bad variables (wrong type, unknown enum value) without a code: they are the client's
 * input errors, so they get BAD_USER_INPUT like ours.
 */
export const inputErrorCodes: Plugin = everyResult((result) =>
  result.errors === undefined
    ? undefined
    : {
        ...result,
        errors: result.errors.map((error) =>
          error.extensions?.code === undefined &&
          error.path === undefined &&
          (error.originalError == null || error.originalError instanceof GraphQLError)
            ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' satisfies ErrorCode } })
            : error,
        ),
      },
);

/**
 * A plugin that rewrites every result an operation gives: of a query or mutation, of a subscription that did
 * not start, and each event of one that did. `rewrite` returns the new result, or undefined to keep it.
 */
function everyResult(rewrite: (result: ExecutionResult) => ExecutionResult | undefined): Plugin {
  const apply = ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    const rewritten = rewrite(result);
    if (rewritten !== undefined) setResult(rewritten);
  };
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterable(result)) apply({ result, setResult });
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            apply({ result, setResult });
            return undefined;
          }
          return { onNext: apply };
        },
      };
    },
  };
}

/** graphql-js ends some messages with suggestions drawn from the schema: `... Did you mean "traceIds"?`. */
const SUGGESTION = /\s*Did you mean [\s\S]*\?$/;

/** graphql-js' message when validating a document would take too much work (fields merged against each other). */
const VALIDATION_ABORTED = 'Validation aborted.';

/**
 * The last word on every error a client sees, whatever produced it (parsing, validation, variables, execution):
 * no "Did you mean ...?" suggestion, which would map the schema for someone without introspection; and a
 * validation graphql-js gave up on says why, with the code of the other limits.
 */
export const clientErrorMessages: Plugin = {
  onResultProcess({ result, setResult }) {
    if (result === null || typeof result !== 'object' || !('errors' in result) || !Array.isArray(result.errors)) return;
    let changed = false;
    const errors = result.errors.map((error: GraphQLError) => {
      if (error.message === VALIDATION_ABORTED) {
        changed = true;
        return new GraphQLError(
          'The document is too complex to validate: it selects the same fields or fragments too many times. Select each field once.',
          { ...whereIn(error), extensions: { ...error.extensions, code: 'QUERY_TOO_COMPLEX' satisfies ErrorCode, limit: 'validation' } },
        );
      }
      if (!SUGGESTION.test(error.message)) return error;
      changed = true;
      return new GraphQLError(error.message.replace(SUGGESTION, ''), { ...whereIn(error), originalError: error.originalError, extensions: error.extensions });
    });
    if (changed) setResult({ ...result, errors });
  },
};
