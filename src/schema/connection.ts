import type { ObjectRef } from '@pothos/core';

import type { Count } from '../db/step-queries.ts';
import { builder } from './builder.ts';
import type { ConnectionArgs, Page, PageInfo, PageRow } from './pages.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type OutputRef<T> = ObjectRef<Types, T>;

/** Relay cursor connections: the GraphQL types of a page, their arguments and their cost. */

export const PageInfoType = builder.objectRef<PageInfo>('PageInfo').implement({
  description: 'Where a page sits in its list (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', {
      description: 'Whether more items follow this page. With `last`/`before`: whether items follow `before`.',
    }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'Whether items precede this page. With `first`/`after`: whether items precede `after`.',
    }),
    startCursor: t.string({ nullable: true, description: 'The cursor of the first item; null on an empty page.', resolve: (info) => info.startCursor() }),
    endCursor: t.string({ nullable: true, description: 'The cursor of the last item; null on an empty page.', resolve: (info) => info.endCursor() }),
  }),
});

/** Relay's connection arguments, described. */
export function connectionArgs(what: string, size: number, max: number, orId?: string) {
  const cursor = `this cursor (one this list returned, in the same order${orId === undefined ? '' : `), ${orId}`}`;
  return builder.args((t) => ({
    first: t.int({ description: `Returns the first n ${what} (default ${size}, at most ${max}).` }),
    after: t.string({ description: `Returns the ${what} that come after ${cursor}${orId === undefined ? ')' : ''}.` }),
    last: t.int({ description: `Returns the last n ${what} (at most ${max}).` }),
    before: t.string({ description: `Returns the ${what} that come before ${cursor}${orId === undefined ? ')' : ''}.` }),
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
  // An edge is its node's row and its page: the cursor is made from the row when it is selected.
  const EdgeType = builder.objectRef<{ node: PageRow<Node> & { id: string }; page: Page<Node> }>(`${name}Edge`).implement({
    description: `One ${what} in a page, with its cursor.`,
    fields: (t) => ({
      cursor: t.string({
        description: `An opaque cursor for this ${what}, for \`after\` or \`before\` of the same list in the same order.`,
        resolve: (edge) => edge.page.cursorOf(edge.node),
      }),
      node: t.field({ type: nodeType, description: `The ${what}.`, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Connection<Node>>(`${name}Connection`).implement({
    description: `A page of ${what}s (a Relay cursor connection).`,
    fields: (t) => ({
      edges: t.field({
        type: [EdgeType],
        description: `The ${what}s of this page, with their cursors.`,
        resolve: (page) => page.nodes.map((node) => ({ node, page })) as never,
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
