import { Prisma, type StepMetrics } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { metricsVisibleTo } from '../db/tenancy.ts';
import { rowsBy } from './rows-by.ts';

/** A step's metrics, by the step's id (they share it), visible where the step is. */
export const metricsByStepId = (db: Database, organizationId: string) =>
  rowsBy<Stored<StepMetrics>>(db, 'StepMetrics', 'id', (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${metricsVisibleTo('t', organizationId)}`);
