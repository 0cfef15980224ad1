import { Prisma, type Message, type ProviderTrace, type Step, type StepMetrics } from '../../prisma/generated/client/client.ts';
import { selectList, tableNames, type ModelName, type Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import type { PageRequest } from '../db/keyset.ts';
import { metricsVisibleTo, visibleTo } from '../db/tenancy.ts';
import { NEWEST_TRACE_FIRST } from '../db/traces.ts';
import { messageCountByStepId, messagesByStepId } from './messages-by-step-id.ts';
import { RowsByKey } from './rows.ts';

/** Rows by a key, the first row of each key winning (rows come in the caller's preferred order). */
function byKey<Row>(rows: Row[], keyOf: (row: Row) => string | null): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null && !map.has(key)) map.set(key, row);
  }
  return map;
}

/**
 * Rows of a model by a key column, with the fields asked for (and the key's), in one statement for all the
 * keys of a tick: `t` is the row, `scope` the conditions that keep it to the organization, `order` which row
 * wins where a key has several.
 */
function rowsBy<Row>(
  db: Database,
  model: ModelName,
  key: 'id' | 'stepId',
  scope: (ids: string[]) => Prisma.Sql,
  order: Prisma.Sql = Prisma.empty,
) {
  return new RowsByKey<Row>(async (ids, fields) => {
    const columns = fields === undefined ? undefined : [...new Set([...fields, key])];
    const rows = await db.read<Row>(
      Prisma.sql`SELECT ${selectList(model, 't', columns)} FROM ${Prisma.raw(tableNames[model])} t WHERE ${scope(ids)} ${order}`,
    );
    return byKey(rows, (row) => (row as Record<string, string | null>)[key] ?? null);
  });
}

/**
 * The loaders of one request. Each is bound to the caller's organization, and a new set is made for every
 * request, so one tenant's cache can never answer another's request.
 */
export function createLoaders(db: Database, organizationId: string) {
  const messagePages = new Map<string, ReturnType<typeof messagesByStepId>>();
  const live = (ids: string[], column = 't.id') => Prisma.sql`${Prisma.raw(column)} = ANY(${ids}::text[]) AND ${visibleTo('t', organizationId)}`;

  return {
    stepById: rowsBy<Stored<Step>>(db, 'Step', 'id', (ids) => live(ids)),
    messageById: rowsBy<Stored<Message>>(db, 'Message', 'id', (ids) => live(ids)),
    traceById: rowsBy<Stored<ProviderTrace>>(db, 'ProviderTrace', 'id', (ids) => live(ids)),

    /** Traces join steps by step_id without a foreign key. Where a step has several, the newest wins. */
    traceByStepId: rowsBy<Stored<ProviderTrace>>(
      db,
      'ProviderTrace',
      'stepId',
      (ids) => live(ids, 't.step_id'),
      Prisma.sql`ORDER BY ${NEWEST_TRACE_FIRST}`,
    ),

    /** Metrics share their step's id, and belong to the organization of their step. */
    metricsByStepId: rowsBy<Stored<StepMetrics>>(
      db,
      'StepMetrics',
      'id',
      (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${metricsVisibleTo('t', organizationId)}`,
    ),

    /** A loader per distinct page request and set of fields: every step asking for the same page shares one statement. */
    messagesByStepId(page: PageRequest, fields?: readonly string[]) {
      const key = JSON.stringify([page, fields]);
      let loader = messagePages.get(key);
      if (loader === undefined) {
        loader = messagesByStepId(db, organizationId, page, fields);
        messagePages.set(key, loader);
      }
      return loader;
    },

    messageCountByStepId: messageCountByStepId(db, organizationId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
