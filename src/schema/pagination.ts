import type { ObjectRef } from '@pothos/core';

import { Prisma } from '../../prisma/generated/client/client.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type OutputRef<T> = ObjectRef<Types, T>;

/**
 * Keyset pagination over (created_at, id). A cursor carries the row's created_at at the database's full
 * (microsecond) precision and its id, so a page boundary is exact even where several rows share a
 * millisecond, and a cursor stays valid when the row it came from is deleted.
 */
export interface Cursor {
  /** Null for a row without created_at (Letta's column is nullable); such rows sort after all others. */
  createdAt: string | null;
  id: string;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const CURSOR_ID = /^[\x21-\x7e]{1,200}$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string, argument: string): Cursor {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    Array.isArray(decoded) &&
    decoded.length === 2 &&
    (decoded[0] === null || (typeof decoded[0] === 'string' && CURSOR_TIME.test(decoded[0]) && !Number.isNaN(Date.parse(decoded[0])))) &&
    typeof decoded[1] === 'string' &&
    CURSOR_ID.test(decoded[1])
  ) {
    return { createdAt: decoded[0], id: decoded[1] };
  }
  throw badUserInput(`"${argument}" is not a cursor returned by this API.`, argument);
}

/**
 * The conditions for rows strictly after (`>`) or before (`<`) a cursor in (created_at, id) order, where a
 * NULL created_at counts as later than any time (as Postgres sorts NULLs last ascending). Returned as
 * alternatives to be read separately: each is a plain index range on (…, created_at, id), where one
 * condition joined with OR would make Postgres scan the whole organization.
 */
function keysetBranches(alias: string, op: '<' | '>', cursor: Cursor): Prisma.Sql[] {
  const createdAt = Prisma.raw(`${alias}.created_at`);
  const id = Prisma.raw(`${alias}.id`);
  if (cursor.createdAt === null) {
    return op === '>'
      ? [Prisma.sql`${createdAt} IS NULL AND ${id} > ${cursor.id}`]
      : [Prisma.sql`${createdAt} IS NOT NULL`, Prisma.sql`${createdAt} IS NULL AND ${id} < ${cursor.id}`];
  }
  const compared = Prisma.sql`(${createdAt}, ${id}) ${Prisma.raw(op)} (${cursor.createdAt}::timestamptz, ${cursor.id})`;
  return op === '>' ? [compared, Prisma.sql`${createdAt} IS NULL`] : [compared];
}

export interface KeysetRead {
  /** The table and the alias its conditions use, e.g. `steps` and `s`. */
  table: string;
  alias: string;
  where: Prisma.Sql;
  bounds: { op: '<' | '>'; cursor: Cursor }[];
  descending: boolean;
  limit: number;
}

/**
 * The rows of `table` that meet `where` and the cursor bounds, at most `limit` of them in (created_at, id)
 * order: a UNION ALL of index range reads, one per combination of the bounds' alternatives (usually just
 * one). Select from it as a subquery and order the result again.
 */
export function keysetRows({ table, alias, where, bounds, descending, limit }: KeysetRead): Prisma.Sql {
  let branches: Prisma.Sql[][] = [[]];
  for (const { op, cursor } of bounds) {
    branches = branches.flatMap((conditions) => keysetBranches(alias, op, cursor).map((branch) => [...conditions, branch]));
  }
  const direction = Prisma.raw(descending ? 'DESC' : 'ASC');
  const a = Prisma.raw(alias);
  return Prisma.join(
    branches.map(
      (conditions) => Prisma.sql`(
        SELECT ${a}.* FROM ${Prisma.raw(table)} ${a}
         WHERE ${Prisma.join([where, ...conditions], ' AND ')}
         ORDER BY ${a}.created_at ${direction}, ${a}.id ${direction}
         LIMIT ${limit})`,
    ),
    ' UNION ALL ',
  );
}

/** SQL that renders created_at as a cursor timestamp: UTC with microseconds. */
export const cursorTimeSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageRequest {
  /** Rows to return; one more is fetched to learn whether another page exists. */
  limit: number;
  /** Backward pagination (`last`/`before`) reads in the opposite order and reverses the rows. */
  backward: boolean;
  after?: Cursor;
  before?: Cursor;
}

export function pageRequest(args: ConnectionArgs, defaults: { size: number; max: number }): PageRequest {
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
    ...(after != null ? { after: decodeCursor(after, 'after') } : {}),
    ...(before != null ? { before: decodeCursor(before, 'before') } : {}),
  };
}

/** A row of a page: the node, with its created_at at full precision for its cursor. */
export type PageRow<Node> = Node & { cursorAt: string | null };

export interface Page<Node> {
  /** The page's nodes, in list order. Their cursors are made only when a query selects them. */
  nodes: PageRow<Node>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const cursorOf = (row: { id: string; cursorAt: string | null }) => encodeCursor({ createdAt: row.cursorAt, id: row.id });

/** Builds a connection page from rows fetched with `limit + 1` in reading order. */
export function toPage<Row extends { id: string }>(rows: PageRow<Row>[], request: PageRequest): Page<Row> {
  const more = rows.length > request.limit;
  // A copy: the rows may be a loader's cached answer, shared with another field asking for the same page.
  const nodes = rows.slice(0, request.limit);
  if (request.backward) nodes.reverse();
  const first = nodes[0];
  const last = nodes.at(-1);
  return {
    nodes,
    pageInfo: {
      hasNextPage: request.backward ? request.before !== undefined : more,
      hasPreviousPage: request.backward ? more : request.after !== undefined,
      startCursor: first === undefined ? null : cursorOf(first),
      endCursor: last === undefined ? null : cursorOf(last),
    },
  };
}

export const PageInfoType = builder.objectRef<Page<unknown>['pageInfo']>('PageInfo').implement({
  description: 'Where a page sits in its list (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', {
      description: 'Whether more items follow this page. With `last`/`before`: whether items follow `before`.',
    }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'Whether items precede this page. With `first`/`after`: whether items precede `after`.',
    }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'The cursor of the first item; null on an empty page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'The cursor of the last item; null on an empty page.' }),
  }),
});

/** Relay's connection arguments, described. */
export function connectionArgs(what: string, size: number, max: number) {
  return builder.args((t) => ({
    first: t.int({ description: `Returns the first n ${what} (default ${size}, at most ${max}).` }),
    after: t.string({ description: `Returns the ${what} that come after this cursor.` }),
    last: t.int({ description: `Returns the last n ${what} (at most ${max}).` }),
    before: t.string({ description: `Returns the ${what} that come before this cursor.` }),
  }));
}

/**
 * The cost of a page for the query-cost limit: its selection counts once per item the page may hold, so
 * `first: 100` costs its selection a hundred times, and an empty page (`first: 0`, which may still count) as
 * one. Sizes past the maximum are refused by the resolver.
 */
export function pageCost(defaults: { size: number; max: number }) {
  return (args: ConnectionArgs) => ({ field: 1, multiplier: Math.min(Math.max(args.first ?? args.last ?? defaults.size, 1), defaults.max) });
}

/** A count of a list: exact, or a lower bound when the list is longer than counting is allowed to read. */
export interface Count {
  count: number;
  exact: boolean;
}

export type Connection<Node> = Page<Node> & {
  /** Counted only when the client selects `totalCount` or `totalCountIsExact`, and once when it selects both. */
  totalCount: () => Promise<Count>;
};

/** Runs `count` on first use only, however many fields ask for it. */
export function lazyCount(count: () => Promise<Count>): () => Promise<Count> {
  let counted: Promise<Count> | undefined;
  return () => (counted ??= count());
}

/** Defines `<Name>Connection` and `<Name>Edge` for a node type. */
export function defineConnection<Node>(
  name: string,
  nodeType: OutputRef<Node>,
  what: string,
  options: { /** Counting stops past this many rows. */ countLimit?: number } = {},
) {
  // An edge is its node's row: the cursor is made from the row when it is selected.
  const EdgeType = builder.objectRef<PageRow<Node> & { id: string }>(`${name}Edge`).implement({
    description: `One ${what} in a page, with its cursor.`,
    fields: (t) => ({
      cursor: t.string({ description: `An opaque cursor for this ${what}, for \`after\` or \`before\`.`, resolve: cursorOf }),
      node: t.field({ type: nodeType, description: `The ${what}.`, resolve: (row) => row as never }),
    }),
  });
  return builder.objectRef<Connection<Node>>(`${name}Connection`).implement({
    description: `A page of ${what}s (a Relay cursor connection).`,
    fields: (t) => ({
      edges: t.field({
        type: [EdgeType],
        description: `The ${what}s of this page, with their cursors.`,
        resolve: (page) => page.nodes as never,
      }),
      nodes: t.field({ type: [nodeType], description: `The ${what}s of this page, without cursors.`, resolve: (page) => page.nodes as never }),
      pageInfo: t.field({ type: PageInfoType, description: 'Where this page sits in the list.', resolve: (page) => page.pageInfo }),
      totalCount: t.int({
        description: options.countLimit
          ? `How many ${what}s the whole list holds (all pages), with the same filters: exact up to ${options.countLimit.toLocaleString('en-US')}. ` +
            `Past that it is ${options.countLimit.toLocaleString('en-US')} and \`totalCountIsExact\` is false (show it as "${options.countLimit.toLocaleString('en-US')}+"), ` +
            'so that a count never reads more than that many rows.'
          : `How many ${what}s the whole list holds (all pages), with the same filters.`,
        // A count reads matching rows' index entries: dearer than a field of a row already read.
        complexity: 10,
        resolve: async (page) => (await page.totalCount()).count,
      }),
      totalCountIsExact: t.boolean({
        description: options.countLimit
          ? `Whether \`totalCount\` is exact: false when more than ${options.countLimit.toLocaleString('en-US')} ${what}s match.`
          : 'Whether `totalCount` is exact. Always true for this list.',
        complexity: 10,
        resolve: async (page) => (await page.totalCount()).exact,
      }),
    }),
  });
}
