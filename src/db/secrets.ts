import type { SqlRunner } from './database.ts';

/** The deployment's secrets, which the migrations create once; every replica reads the same ones. */
export interface Secrets {
  /** Signs cursors (cursors.ts). */
  cursor: string;
  /** Signs feedback tokens (auth/feedback-tokens.ts). */
  feedbackToken: string;
}

const NAMES = { cursor: 'cursor', feedbackToken: 'feedback-token' } as const satisfies Record<keyof Secrets, string>;

export async function readSecrets(sql: Pick<SqlRunner, 'query'>): Promise<Secrets> {
  const rows = await sql.query<{ name: string; value: string }>(`SELECT name, value FROM gateway_secrets WHERE name = ANY($1)`, [Object.values(NAMES)]);
  const byName = new Map(rows.map((row) => [row.name, row.value]));
  const secret = (name: string) => {
    const value = byName.get(name);
    if (value === undefined) throw new Error(`The database has no "${name}" secret: run "npm run db:migrate".`);
    return value;
  };
  return { cursor: secret(NAMES.cursor), feedbackToken: secret(NAMES.feedbackToken) };
}
