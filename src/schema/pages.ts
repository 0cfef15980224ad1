import type { Cursors, ListKey } from '../cursors.ts';
import type { PageRequest } from '../db/keyset.ts';
import { badUserInput } from '../errors.ts';

/** From a connection's arguments to the page the data layer reads, and from its rows to the page the API answers. */

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The page a connection's arguments ask for, its cursors checked to be of `list` (see cursors.ts). */
export function pageRequest(args: ConnectionArgs, defaults: { size: number; max: number }, cursors: Cursors, list: ListKey): PageRequest {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badUserInput('Pass either "first" or "last", not both.', 'first');
  for (const [name, value] of [['first', first], ['last', last]] as const) {
    if (value != null && (value < 0 || value > defaults.max)) {
      throw badUserInput(`"${name}" must be between 0 and ${defaults.max}.`, name);
    }
  }
  const backward = last != null || (first == null && before != null && after == null);
  return {
    limit: (backward ? last : first) ?? defaults.size,
    backward,
    ...(after != null ? { after: cursors.decode(after, list, 'after') } : {}),
    ...(before != null ? { before: cursors.decode(before, list, 'before') } : {}),
  };
}

/** A row of a page: the node, with its created_at at full precision for its cursor. */
export type PageRow<Node> = Node & { cursorAt: string | null };

/** Where a page sits; its cursors are signed only when a query selects them. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: () => string | null;
  endCursor: () => string | null;
}

export interface Page<Node> {
  /** The page's nodes, in list order. Their cursors are made only when a query selects them. */
  nodes: PageRow<Node>[];
  pageInfo: PageInfo;
  /** The cursor of one of the page's nodes. */
  cursorOf: (row: PageRow<{ id: string }>) => string;
}

/** Builds a connection page of `list` from rows fetched with `limit + 1` in reading order. */
export function toPage<Row extends { id: string }>(rows: PageRow<Row>[], request: PageRequest, cursors: Cursors, list: ListKey): Page<Row> {
  const cursorOf = (row: PageRow<{ id: string }>) => cursors.encode(list, { createdAt: row.cursorAt, id: row.id });
  const more = rows.length > request.limit;
  // A copy: the rows may be a loader's cached answer, shared with another field asking for the same page.
  const nodes = rows.slice(0, request.limit);
  if (request.backward) nodes.reverse();
  const first = nodes[0];
  const last = nodes.at(-1);
  return {
    nodes,
    cursorOf,
    pageInfo: {
      hasNextPage: request.backward ? request.before !== undefined : more,
      hasPreviousPage: request.backward ? more : request.after !== undefined,
      startCursor: () => (first === undefined ? null : cursorOf(first)),
      endCursor: () => (last === undefined ? null : cursorOf(last)),
    },
  };
}
