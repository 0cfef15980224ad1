import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

import { whereIn } from './errors.ts';

/**
 * Executes queries and mutations compiled to JavaScript by graphql-jit: an operation is compiled once (the
 * compiled form lives as long as yoga's parsed-document cache keeps the document) and then runs without the
 * interpreter's per-field work. See BENCHMARKS.md for what it saves.
 *
 * Clients cannot tell which engine ran, because everything graphql-jit does differently is left to graphql-js:
 * - Variables are coerced by graphql-js alone, with the spec's rules (input defaults at any depth, a single
 *   value for a list, explicit nulls, enum names, custom scalars). An operation whose variables do not coerce
 *   runs on graphql-js, which reports them as graphql-js words them (BAD_USER_INPUT, HTTP 400). The values it
 *   coerced are handed to the compiled operation spelled out in full (see `explicitVariables`), so that
 *   graphql-jit's own coercion, which skips the defaults of required input fields, has nothing left to decide.
 * - An operation graphql-jit cannot compile runs on graphql-js.
 * - graphql-jit reports where an error happened as `locations` alone, which yoga drops when it rebuilds
 *   errors; they are turned back into positions in the document's source, which it keeps.
 */
export function compiledExecution(): Plugin[] {
  /** Compiled operations by document and operation name; null for an operation that did not compile. */
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const compiledFor = (args: ExecutionArgs): CompiledQuery | null => {
    const name = args.operationName ?? '';
    let byName = compiled.get(args.document);
    if (byName === undefined) compiled.set(args.document, (byName = new Map()));
    let query = byName.get(name);
    if (query === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      query = isCompiledQuery(result) ? result : null;
      byName.set(name, query);
    }
    return query;
  };

  const compiledRun: Plugin = {
    onExecute({ args, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation == null || operation.operation === 'subscription') return;
      const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (coerced.errors !== undefined) return;
      const query = compiledFor(args);
      if (query === null) return;
      const variables = explicitVariables(args.schema, operation, coerced.coerced);
      setExecuteFn(((executeArgs: ExecutionArgs) =>
        query.query(executeArgs.rootValue, executeArgs.contextValue, variables)) as unknown as Parameters<typeof setExecuteFn>[0]);
    },
  };

  const locatedErrors: Plugin = {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || result.errors === undefined) return;
          const source = (args.document as DocumentNode).loc?.source;
          if (source === undefined) return;
          setResult({ ...(result as ExecutionResult), errors: result.errors.map((error) => located(error, source)) });
        },
      };
    },
  };
  return [locatedErrors, compiledRun];
}

/**
 * Variables as graphql-js coerced them, written back in the form a client would send to say exactly that:
 * every input field present that has a value (defaults included), lists as lists, enum values by name, custom
 * scalars in their serialized form. Coercing this again yields the same values, whichever engine coerces it.
 */
export function explicitVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, coerced: Record<string, unknown>): Record<string, unknown> {
  const explicit: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (type !== undefined && Object.hasOwn(coerced, name)) explicit[name] = explicitValue(type, coerced[name]);
  }
  return explicit;
}

function explicitValue(type: GraphQLInputType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (isNonNullType(type)) return explicitValue(type.ofType, value);
  if (isListType(type)) return (value as unknown[]).map((item) => explicitValue(type.ofType, item));
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return Object.fromEntries(Object.entries(value as object).map(([key, field]) => [key, explicitValue(fields[key]!.type, field)]));
  }
  if (isEnumType(type) || isScalarType(type)) return type.serialize(value);
  return value;
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
