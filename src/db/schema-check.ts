import { mappedColumns } from './columns.ts';
import type { SqlRunner } from './database.ts';

/** The Postgres types (information_schema `udt_name`) a Prisma field type can read without loss. */
const compatible: Record<string, readonly string[]> = {
  String: ['text', 'varchar', 'bpchar'],
  Int: ['int4', 'int2'],
  BigInt: ['int8', 'int4', 'int2'],
  Boolean: ['bool'],
  DateTime: ['timestamptz', 'timestamp'],
  Json: ['json', 'jsonb'],
  StepStatus: ['stepstatus'],
};

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
  for (const { table, column, type, required } of columns) {
    const found = actual.get(`${table}.${column}`);
    const allowed = compatible[type] ?? [];
    if (found === undefined) {
      problems.push(`${table}.${column} is missing (expected ${allowed[0] ?? type})`);
    } else if (!allowed.includes(found.udt_name)) {
      problems.push(`${table}.${column} has type ${found.udt_name}, expected ${allowed.join(' or ')}`);
    } else if (required && found.is_nullable === 'YES') {
      problems.push(`${table}.${column} allows NULL, but the gateway needs a value (expected NOT NULL)`);
    }
  }
  return problems;
}
