import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, Kind, validate, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { SecurityConfig } from '../config.ts';

export type QueryLimit = keyof SecurityConfig['limits'];

/** Every document refused for its size or shape carries this code and names the limit it passed. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

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
function costLimit(max: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      let over: GraphQLError | undefined;
      const rule = createComplexityRule({
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName ?? undefined,
        context: args.contextValue as object,
        validate: ({ complexity }, report) => {
          if (complexity <= max) return;
          const error = new GraphQLError(`The query costs ${complexity}, more than the limit of ${max}: ask for fewer items per page or fewer fields.`);
          tag(error, 'cost');
          Object.assign(error.extensions as Record<string, unknown>, { cost: complexity, maxCost: max });
          over = error;
          report(error);
        },
      });
      // Variables the rule cannot coerce are left for execution to report, with their usual code.
      validate(args.schema, args.document, [rule]);
      if (over !== undefined) setResultAndStopExecution({ errors: [over] });
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
      // "Did you mean ...?" would map the schema for someone without introspection.
      blockFieldSuggestion: { enabled: true },
    }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(maxMutationFieldsRule(limits.mutationFields));
      },
    },
    costLimit(limits.cost),
  ];
}
