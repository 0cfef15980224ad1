import { Prisma } from '../../prisma/generated/client/client.ts';

/**
 * Keyset pagination over (created_at, id), the order of every list: a position is a row's created_at at the
 * database's full (microsecond) precision and its id, so a page boundary is exact even where several rows
 * share a millisecond, and a position stays valid when the row it came from is deleted.
 *
 * Letta's created_at is nullable. A row without one counts as older than every dated row (as if written before
 * anything else), so one total order holds in both directions: newest first ends with the undated rows, oldest
 * first starts with them, and either is the other reversed.
 */
export interface Position {
  /** UTC with microseconds (`2025-01-29T23:01:19.123456Z`), or null for an undated row. */
  createdAt: string | null;
  id: string;
  /** In a list of several items per row (a step's LettaMessages), the item's place among its row's, from 0. */
  index?: number;
}

export interface PageRequest {
  /** Rows to return; one more is read to learn whether another page exists. */
  limit: number;
  /** Backward pagination (`last`/`before`) reads in the opposite order and reverses the rows. */
  backward: boolean;
  after?: Position;
  before?: Position;
}

/** A bound on a read in oldest-first terms: rows later (`>`) or earlier (`<`) than a position. */
export interface Bound {
  op: '<' | '>';
  position: Position;
}

/** The bounds of a page of a list in the given direction: "after" is further along the list's own order. */
export function boundsOf(page: PageRequest, descending: boolean): Bound[] {
  return [
    ...(page.after ? [{ op: descending ? ('<' as const) : ('>' as const), position: page.after }] : []),
    ...(page.before ? [{ op: descending ? ('>' as const) : ('<' as const), position: page.before }] : []),
  ];
}

/** A time (milliseconds since the epoch) as the API writes times, for a time computed in JavaScript. */
export const isoTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** SQL that renders a timestamp as the API writes times: UTC with microseconds. */
export const isoTimeSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The list order over `alias`, newest or oldest first, undated rows counting as the oldest. */
export function orderSql(alias: string, descending: boolean): Prisma.Sql {
  return Prisma.raw(
    descending ? `${alias}.created_at DESC NULLS LAST, ${alias}.id DESC` : `${alias}.created_at ASC NULLS FIRST, ${alias}.id ASC`,
  );
}

/**
 * The conditions for the undated or the dated rows of a read, or null when the bounds leave none of them.
 * Each partition is read on its own: within it, every bound is a plain range of the (…, created_at, id)
 * indexes, where one condition joined with OR would make Postgres scan the whole organization.
 */
function partition(alias: string, dated: boolean, bounds: Bound[]): Prisma.Sql[] | null {
  const createdAt = Prisma.raw(`${alias}.created_at`);
  const id = Prisma.raw(`${alias}.id`);
  const conditions = [dated ? Prisma.sql`${createdAt} IS NOT NULL` : Prisma.sql`${createdAt} IS NULL`];
  for (const { op, position } of bounds) {
    const undatedPosition = position.createdAt === null;
    if (dated) {
      if (undatedPosition) {
        // Every dated row is later than an undated one.
        if (op === '<') return null;
      } else {
        conditions.push(Prisma.sql`(${createdAt}, ${id}) ${Prisma.raw(op)} (${position.createdAt}::timestamptz, ${position.id})`);
      }
    } else if (undatedPosition) {
      conditions.push(Prisma.sql`${id} ${Prisma.raw(op)} ${position.id}`);
    } else if (op === '>') {
      // No undated row is later than a dated one.
      return null;
    }
  }
  return conditions;
}

export interface KeysetRead {
  /** The table and the alias its conditions use, e.g. `steps` and `s`. */
  table: string;
  alias: string;
  /**
   * The columns to read (see plainColumns); every column by default. A read that names only what the query
   * needs keeps wide rows (heavy JSON columns) out of the union and its sort.
   */
  columns?: Prisma.Sql;
  where: Prisma.Sql;
  bounds: Bound[];
  /** The order the rows are read in (the list's own, or its reverse for a backward page). */
  descending: boolean;
  limit: number;
}

/**
 * The rows of `table` that meet `where` and the bounds, at most `limit` of each partition (undated, dated) in
 * reading order: a UNION ALL of index range reads. Select from it as a subquery and order the result again
 * with `orderSql`.
 */
export function keysetRows({ table, alias, columns, where, bounds, descending, limit }: KeysetRead): Prisma.Sql {
  const direction = descending ? 'DESC' : 'ASC';
  const a = Prisma.raw(alias);
  const select = columns ?? Prisma.raw(`${alias}.*`);
  const reads = [false, true].flatMap((dated) => {
    const conditions = partition(alias, dated, bounds);
    if (conditions === null) return [];
    const order = Prisma.raw(dated ? `${alias}.created_at ${direction}, ${alias}.id ${direction}` : `${alias}.id ${direction}`);
    return [
      Prisma.sql`(
        SELECT ${select} FROM ${Prisma.raw(table)} ${a}
         WHERE ${Prisma.join([where, ...conditions], ' AND ')}
         ORDER BY ${order}
         LIMIT ${limit})`,
    ];
  });
  // A before and an after that leave nothing: a read that finds nothing.
  if (reads.length === 0) return Prisma.sql`(SELECT ${select} FROM ${Prisma.raw(table)} ${a} WHERE false)`;
  return Prisma.join(reads, ' UNION ALL ');
}
