import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, Kind, validate, type ASTVisitor, type DocumentNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';
import type { SecurityConfig } from '../config.ts';

export type QueryLimit = keyof SecurityConfig['limits'];

/** Every document refused for its size or shape carries this code and names the limit it passed. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX' satisfies ErrorCode;

function tag(error: GraphQLError, limit: QueryLimit): void {
  // Armor builds its own errors (as "Syntax Error"s); they are ours to label before they are reported.
  // Status 400, or 200 for a legacy application/json request, as the GraphQL-over-HTTP spec says.
  error.message = error.message.replace(/^Syntax Error: /, '');
  Object.assign(error.extensions as Record<string, unknown>, { code: QUERY_TOO_COMPLEX, limit, http: { spec: true, status: 400 } });
}

const tagged = (limit: QueryLimit) => ({ onReject: [(_context: unknown, error: GraphQLError) => tag(error, limit)] });

/**
 * A mutation runs its fields one after another, each a write: a document of many aliased mutations is a
 * batch attack (guessing, write amplification) that per-request rate limits would not see.
 */
function maxMutationFieldsRule(max: number) {
  return function MaxMutationFields(context: ValidationContext): ASTVisitor {
    return {
      OperationDefinition(node) {
        if (node.operation !== 'mutation') return;
        let count = 0;
        const visited = new Set<string>();
        const countIn = (selections: typeof node.selectionSet.selections) => {
          for (const selection of selections) {
            if (selection.kind === Kind.FIELD) count += 1;
            else if (selection.kind === Kind.INLINE_FRAGMENT) countIn(selection.selectionSet.selections);
            else if (!visited.has(selection.name.value)) {
              visited.add(selection.name.value);
              const fragment = context.getFragment(selection.name.value);
              if (fragment !== undefined && fragment !== null) countIn(fragment.selectionSet.selections);
            }
          }
        };
        countIn(node.selectionSet.selections);
        if (count > max) {
          const error = new GraphQLError(`A mutation may hold at most ${max} fields (found ${count}): send the others in another request.`, {
            nodes: node,
          });
          tag(error, 'mutationFields');
          context.reportError(error);
        }
      },
    };
  };
}

/**
 * Cost with pagination counted: each field costs 1 (or what its definition says), and a page of n items
 * multiplies the cost of its selection by n (see `pageCost` in the schema). Computed with the request's
 * variables, so it runs just before execution and never from the validation cache; a document over the
 * limit stops there, before any resolver runs.
 */
/** A key for a set of variables; none for variables too deep to serialize (execution refuses those). */
function cacheKey(operationName: string | null | undefined, variables: Record<string, unknown>): string | undefined {
  try {
    return `${operationName ?? ''}\u0000${JSON.stringify(variables)}`;
  } catch {
    return undefined;
  }
}

function costLimit(max: number): Plugin {
  /**
   * The cost of a document with given variables, worked out once: it depends on nothing else. Kept per
   * parsed document (which yoga caches), for a bounded number of variable sets each.
   */
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  /** The error of a document over the limit, or undefined. */
  const overLimit = (args: { document: DocumentNode; schema: Parameters<typeof validate>[0]; variableValues?: unknown; operationName?: string | null; contextValue?: unknown }) => {
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const key = cacheKey(args.operationName, variables);
    const costs = known.get(args.document);
    let cost = key === undefined ? undefined : costs?.get(key);
    if (cost === undefined) {
      let computed = 0;
      const rule = createComplexityRule({
        variableValues: variables,
        operationName: args.operationName ?? undefined,
        context: args.contextValue as object,
        validate: ({ complexity }) => {
          computed = complexity;
        },
      });
      // Variables the rule cannot coerce are left for execution to report, with their usual code.
      validate(args.schema, args.document, [rule]);
      cost = computed;
      if (key !== undefined && key.length < 1_000) {
        if (costs === undefined) known.set(args.document, new Map([[key, cost]]));
        else if (costs.size < 20) costs.set(key, cost);
      }
    }
    if (cost <= max) return undefined;
    const error = new GraphQLError(`The query costs ${cost}, more than the limit of ${max}: ask for fewer items per page or fewer fields.`);
    tag(error, 'cost');
    Object.assign(error.extensions as Record<string, unknown>, { cost, maxCost: max });
    return error;
  };
  // Subscriptions are held to the same limit as queries and mutations, before they start.
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = overLimit(args);
      if (error !== undefined) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = overLimit(args);
      if (error !== undefined) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/** Limits on what a document may ask for; all of them act before any resolver or database statement. */
export function queryLimits(limits: SecurityConfig['limits']): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.depth, ignoreIntrospection: true, flattenFragments: true, ...tagged('depth') },
      maxAliases: { n: limits.aliases, ...tagged('aliases') },
      maxDirectives: { n: limits.directives, ...tagged('directives') },
      maxTokens: { n: limits.tokens, ...tagged('tokens') },
      // Armor's cost has no notion of page sizes; costLimit below has.
      costLimit: { enabled: false },
      // Suggestions are taken out of every error, not only those of fields (clientErrorMessages, errors.ts).
      blockFieldSuggestion: { enabled: false },
    }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(maxMutationFieldsRule(limits.mutationFields));
      },
    },
    costLimit(limits.cost),
  ];
}
