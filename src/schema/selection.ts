import { getArgumentValues, Kind, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

import { columnsFor } from '../db/columns.ts';

/**
 * What a request selects below a field, so that the SQL reads only the columns it needs (the heavy JSON
 * of messages and traces above all). Fragments count when their type condition is the type read or an
 * interface it implements; `@skip`/`@include` are ignored (reading a column too many is harmless).
 */

/** Visits the field nodes selected on `typeName` at the end of one of `paths` below the resolved field. */
function visitSelected(info: GraphQLResolveInfo, typeName: string, paths: readonly (readonly string[])[], visitLeaf: (field: FieldNode) => void): void {
  const matches = (condition: string | undefined) => {
    if (condition === undefined || condition === typeName) return true;
    const type = info.schema.getType(typeName);
    return type !== undefined && 'getInterfaces' in type && type.getInterfaces().some((iface) => iface.name === condition);
  };

  /** The fields of a selection set, fragments expanded, whatever their type condition (used along the path). */
  const fieldsOf = (set: SelectionSetNode | undefined, leaf: boolean, visit: (field: FieldNode) => void) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!leaf || matches(selection.typeCondition?.name.value)) fieldsOf(selection.selectionSet, leaf, visit);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment !== undefined && (!leaf || matches(fragment.typeCondition.name.value))) fieldsOf(fragment.selectionSet, leaf, visit);
      }
    }
  };

  const walk = (set: SelectionSetNode | undefined, path: readonly string[]) => {
    if (path.length === 0) {
      fieldsOf(set, true, visitLeaf);
      return;
    }
    fieldsOf(set, false, (field) => {
      if (field.name.value === path[0]) walk(field.selectionSet, path.slice(1));
    });
  };

  for (const node of info.fieldNodes) for (const path of paths) walk(node.selectionSet, path);
}

/** The names of the fields selected on `typeName` at the end of one of `paths` below the resolved field. */
export function selectedFields(info: GraphQLResolveInfo, typeName: string, paths: readonly (readonly string[])[] = [[]]): Set<string> {
  const names = new Set<string>();
  visitSelected(info, typeName, paths, (field) => names.add(field.name.value));
  return names;
}

/** The arguments (with the request's variables) of each selection of `fieldName` on `typeName` at the end of one of `paths`. */
export function argumentsSelected(info: GraphQLResolveInfo, typeName: string, paths: readonly (readonly string[])[], fieldName: string): Record<string, unknown>[] {
  const type = info.schema.getType(typeName);
  const definition = type !== undefined && 'getFields' in type ? (type.getFields() as Record<string, GraphQLField<unknown, unknown>>)[fieldName] : undefined;
  if (definition === undefined) return [];
  const found: Record<string, unknown>[] = [];
  visitSelected(info, typeName, paths, (field) => {
    if (field.name.value === fieldName) found.push(getArgumentValues(definition, field, info.variableValues));
  });
  return found;
}

/** Whether a query reads a connection's page (its items or where it sits), rather than only its count. */
export function readsPage(info: GraphQLResolveInfo, connectionType: string): boolean {
  const selected = selectedFields(info, connectionType);
  return selected.has('nodes') || selected.has('edges') || selected.has('pageInfo');
}

/** The paths to the items of a connection: `nodes` and `edges.node`. */
export const CONNECTION_ITEMS = [['nodes'], ['edges', 'node']] as const;

/** The same paths, continued to a field of the items. */
export const connectionItemField = (field: string) => CONNECTION_ITEMS.map((path) => [...path, field]);

/** The columns that computed fields read, by type and GraphQL field (fields named after a column need no entry). */
export const COLUMNS_READ_BY = {
  Step: {},
  Message: {
    content: ['content', 'text'],
    step: ['stepId'],
    lettaMessages: ['role', 'text', 'content', 'name', 'toolCallId', 'otid', 'senderId', 'stepId', 'runId', 'isErr', 'toolCalls', 'toolReturns', 'approvals', 'approve', 'approvalRequestId', 'denialReason', 'createdAt'],
  },
  ProviderTrace: { step: ['stepId'], latencyMs: ['stepId', 'callType'] },
  StepMetrics: {},
} as const satisfies Record<string, Record<string, readonly string[]>>;

/**
 * Answers already worked out, by the field's first AST node (a document's nodes live as long as the parsed
 * document, which yoga caches): a field resolved for each of a page's items works its columns out once.
 */
const remembered = new WeakMap<FieldNode, Map<string, string[]>>();

/** The fields of a model that the selection below the resolved field needs (see columnsFor). */
export function fieldsSelected(info: GraphQLResolveInfo, model: keyof typeof COLUMNS_READ_BY, paths?: readonly (readonly string[])[]): string[] {
  const first = info.fieldNodes[0];
  const key = `${model}|${JSON.stringify(paths ?? null)}|${info.fieldNodes.map((node) => node.loc?.start ?? '?').join(',')}`;
  const known = first === undefined ? undefined : remembered.get(first);
  const answer = known?.get(key);
  if (answer !== undefined) return answer;
  const fields = columnsFor(model, selectedFields(info, model, paths), COLUMNS_READ_BY[model]);
  if (first !== undefined && !key.includes('?')) {
    if (known === undefined) remembered.set(first, new Map([[key, fields]]));
    else known.set(key, fields);
  }
  return fields;
}
