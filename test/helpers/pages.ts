export interface PageOf<Node> {
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Walks a connection to its end, forward (first/after) or backward (last/before), and returns every node in
 * list order. `fetchPage` gets the cursor to continue from (null for the first page). Stops after
 * `maxPages` so that a pagination bug fails the test instead of looping.
 */
export async function pageThrough<Node>(
  direction: 'forward' | 'backward',
  fetchPage: (cursor: string | null) => Promise<PageOf<Node>>,
  maxPages = 20,
): Promise<{ nodes: Node[]; pages: PageOf<Node>[] }> {
  const nodes: Node[] = [];
  const pages: PageOf<Node>[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: PageOf<Node> = await fetchPage(cursor);
    pages.push(page);
    if (direction === 'forward') {
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      cursor = page.pageInfo.endCursor;
    } else {
      nodes.unshift(...page.nodes);
      if (!page.pageInfo.hasPreviousPage) break;
      cursor = page.pageInfo.startCursor;
    }
  }
  return { nodes, pages };
}
