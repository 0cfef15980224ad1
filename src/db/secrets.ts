import type { SqlRunner } from './database.ts';

/** The deployment's cursor-signing secret, which the migrations create once; every replica reads the same one. */
export async function readCursorSecret(sql: Pick<SqlRunner, 'query'>): Promise<string> {
  const [row] = await sql.query<{ value: string }>(`SELECT value FROM gateway_secrets WHERE name = 'cursor'`);
  if (row === undefined) throw new Error('The database has no cursor secret: run "npm run db:migrate".');
  return row.value;
}
