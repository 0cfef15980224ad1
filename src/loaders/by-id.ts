/** Aligns rows with the keys DataLoader asked for: one result per key, null for a miss. */
export function alignById<Row>(keys: readonly string[], rows: Row[], keyOf: (row: Row) => string | null): (Row | null)[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    // Rows come in the caller's preferred order; the first one for a key wins.
    if (key !== null && !byKey.has(key)) byKey.set(key, row);
  }
  return keys.map((key) => byKey.get(key) ?? null);
}
