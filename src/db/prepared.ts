import { createHash } from 'node:crypto';

import type pg from 'pg';

/**
 * The hot reads as named prepared statements, so that Postgres plans each shape of statement once per
 * connection instead of on every request (planning a page costs more than running it). A statement is named
 * by a hash of its text; each connection keeps at most `PREPARED_PER_CONNECTION` of them and deallocates the
 * least recently used beyond that, so that a gateway serving many shapes of query holds a bounded number of
 * plans on the server.
 */
export const PREPARED_PER_CONNECTION = 100;

interface Connection {
  parsedStatements: Record<string, string>;
}

const names = new Map<string, string>();
/** The name of a statement text; remembered for the texts seen most recently. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `sgw_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    if (names.size >= 1000) names.delete(names.keys().next().value!);
    names.set(text, name);
  }
  return name;
}

/** Per connection, its prepared statements in order of last use. */
const preparedBy = new WeakMap<pg.PoolClient, Set<string>>();

/** Postgres' SQLSTATE when a prepared statement's plan no longer fits the tables it reads (a column changed). */
const CACHED_PLAN_CHANGED = '0A000';

async function deallocate(client: pg.PoolClient, connection: Connection, name: string) {
  // Only what the server has: a statement whose Parse failed was never prepared.
  if (connection.parsedStatements[name] === undefined) return;
  delete connection.parsedStatements[name];
  await client.query(`DEALLOCATE "${name}"`);
}

export async function queryPrepared<Row>(client: pg.PoolClient, text: string, values: unknown[]): Promise<Row[]> {
  const name = nameOf(text);
  let prepared = preparedBy.get(client);
  if (prepared === undefined) preparedBy.set(client, (prepared = new Set()));
  const connection = (client as unknown as { connection: Connection }).connection;
  if (prepared.has(name)) {
    prepared.delete(name);
  } else if (prepared.size >= PREPARED_PER_CONNECTION) {
    const oldest = prepared.values().next().value!;
    prepared.delete(oldest);
    await deallocate(client, connection, oldest);
  }
  prepared.add(name);
  try {
    return (await client.query<Row & pg.QueryResultRow>({ name, text, values })).rows;
  } catch (error) {
    if ((error as { code?: string }).code !== CACHED_PLAN_CHANGED || !/cached plan/.test((error as Error).message)) throw error;
    // The tables changed under the plan (Letta migrated): prepare it afresh.
    await deallocate(client, connection, name);
    return (await client.query<Row & pg.QueryResultRow>({ name, text, values })).rows;
  }
}
