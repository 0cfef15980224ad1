import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type Source } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { whereIn } from './errors.ts';

/**
 * Executes operations compiled to JavaScript by graphql-jit: a document is compiled once (the compiled form
 * lives as long as yoga's parsed-document cache keeps the document) and then runs without the interpreter's
 * per-field work. See BENCHMARKS.md for what it saves.
 *
 * Two differences from graphql-js are smoothed over, so that clients cannot tell which one ran:
 * - Variables are checked by graphql-js first: an operation whose variables do not coerce runs on
 *   graphql-js, which reports them as the spec and graphql-js word it (BAD_USER_INPUT, HTTP 400).
 * - graphql-jit reports where an error happened as `locations` alone, which yoga drops when it rebuilds
 *   errors; they are turned back into positions in the document's source, which it keeps.
 */
export function compiledExecution(): Plugin[] {
  const jit = useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, operationName, variableValues }) => {
        const operation = getOperationAST(document, operationName);
        return operation != null && !('errors' in getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}));
      },
    },
  ) as Plugin;
  const locatedErrors: Plugin = {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || result.errors === undefined) return;
          const source = (args.document as DocumentNode).loc?.source;
          if (source === undefined) return;
          setResult({ ...result, errors: result.errors.map((error) => located(error, source)) });
        },
      };
    },
  };
  return [locatedErrors, jit];
}

function located(error: GraphQLError, source: Source): GraphQLError {
  if (error.nodes !== undefined || error.positions !== undefined || error.locations === undefined) return error;
  const lines = source.body.split('\n');
  const positions = error.locations.map(({ line, column }) => {
    let offset = column - 1;
    for (let i = 0; i < line - 1; i++) offset += lines[i]!.length + 1;
    return offset;
  });
  return new GraphQLError(error.message, { ...whereIn(error), source, positions, originalError: error.originalError, extensions: error.extensions });
}
