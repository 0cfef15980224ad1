import DataLoader from 'dataloader';

/**
 * Rows by key, each read with only the fields asked for. A row already read (or primed) with at least the
 * fields asked for is reused; otherwise the keys asked for in one tick with the same fields are read in
 * one statement. `fields` undefined means every field of the model.
 */
export class RowsByKey<Row> {
  private readonly known = new Map<string, { row: Row | null; fields: ReadonlySet<string> | 'all' }>();
  private readonly batches = new Map<string, DataLoader<string, Row | null>>();

  constructor(private readonly read: (keys: string[], fields: readonly string[] | undefined) => Promise<Map<string, Row>>) {}

  load(key: string, fields?: readonly string[]): Promise<Row | null> {
    const known = this.known.get(key);
    if (known !== undefined) {
      const has = known.fields;
      if (has === 'all' || (fields !== undefined && fields.every((field) => has.has(field)))) return Promise.resolve(known.row);
    }
    const batchKey = fields === undefined ? '*' : fields.join(',');
    let batch = this.batches.get(batchKey);
    if (batch === undefined) {
      batch = new DataLoader<string, Row | null>(async (keys) => {
        const rows = await this.read([...keys], fields);
        return keys.map((k) => {
          const row = rows.get(k) ?? null;
          this.prime(k, row, fields);
          return row;
        });
      });
      this.batches.set(batchKey, batch);
    }
    return batch.load(key);
  }

  /** Remembers a row (or that there is none) read elsewhere with these fields. */
  prime(key: string, row: Row | null, fields?: readonly string[]): this {
    const known = this.known.get(key);
    if (fields === undefined) {
      this.known.set(key, { row, fields: 'all' });
    } else if (known === undefined || known.row === null || row === null) {
      // A complete row already known stays: a partial one has nothing it lacks.
      if (known?.fields !== 'all') this.known.set(key, { row, fields: new Set(fields) });
    } else if (known.fields !== 'all') {
      // Two partial reads of one row within a request: together they hold both sets of fields.
      this.known.set(key, { row: { ...known.row, ...row }, fields: new Set([...known.fields, ...fields]) });
    }
    return this;
  }

  /** Forgets a row (after a write), so that the next load reads it again. */
  clear(key: string): this {
    this.known.delete(key);
    for (const batch of this.batches.values()) batch.clear(key);
    return this;
  }
}
