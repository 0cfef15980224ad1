import { mappedColumns, type MappedColumn } from './columns.ts';
import type { SqlRunner } from './database.ts';

/**
 * The Postgres types (information_schema `udt_name`) each Prisma scalar type can read without loss: every
 * scalar type Prisma has, so that a column of any type can be mapped without the start-up check refusing it.
 */
export const COMPATIBLE_TYPES = {
  String: ['text', 'varchar', 'bpchar', 'uuid', 'citext'],
  Boolean: ['bool'],
  Int: ['int4', 'int2'],
  BigInt: ['int8', 'int4', 'int2'],
  Float: ['float8', 'float4', 'int4', 'int2'],
  Decimal: ['numeric', 'int8', 'int4', 'int2'],
  DateTime: ['timestamptz', 'timestamp', 'date'],
  Json: ['json', 'jsonb'],
  Bytes: ['bytea'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The types a mapped column may have: its scalar type's, or for an enum the Postgres enum of its name in lower case (how Letta
 * names them); for a list, arrays of them.
 */
export function allowedTypes({ type, kind, list = false }: Pick<MappedColumn, 'type' | 'kind'> & { list?: boolean }): readonly string[] {
  if (kind === 'enum') return [`${list ? '_' : ''}${type.toLowerCase()}`];
  const allowed = (COMPATIBLE_TYPES as Record<string, readonly string[]>)[type];
  if (allowed === undefined) throw new Error(`The start-up check knows no Postgres type for the Prisma type ${type}.`);
  // information_schema names an array type by its element type with a leading underscore (`_text`).
  return list ? allowed.map((name) => `_${name}`) : allowed;
}

/**
 * Checks that every column the gateway maps exists with a compatible type. Returns one line per mismatch;
 * an empty list means the database can be served. Extra columns, tables and constraints are fine.
 */
export async function checkSchema(sql: SqlRunner): Promise<string[]> {
  const columns = mappedColumns();
  const tables = [...new Set(columns.map((column) => column.table))];
  const rows = await sql.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: 'YES' | 'NO' }>(
    `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [tables],
  );
  const actual = new Map(rows.map((row) => [`${row.table_name}.${row.column_name}`, row]));

  const problems: string[] = [];
  for (const mapped of columns) {
    const { table, column, required } = mapped;
    const found = actual.get(`${table}.${column}`);
    const allowed = allowedTypes(mapped);
    if (found === undefined) {
      problems.push(`${table}.${column} is missing (expected ${allowed[0]})`);
    } else if (!allowed.includes(found.udt_name)) {
      problems.push(`${table}.${column} has type ${found.udt_name}, expected ${allowed.join(' or ')}`);
    } else if (required && found.is_nullable === 'YES') {
      problems.push(`${table}.${column} allows NULL, but the gateway needs a value (expected NOT NULL)`);
    }
  }
  return problems;
}
