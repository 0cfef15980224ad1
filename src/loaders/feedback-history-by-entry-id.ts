import DataLoader from 'dataloader';

import { Prisma } from '../../prisma/generated/client/client.ts';
import { selectList } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import type { FeedbackVersionRow } from '../db/feedback-entries.ts';

/**
 * The versions each entry replaced, its `last` most recent, oldest first, in one statement for many entries.
 * Versions are read only for entries already read (and so visible); they carry the organization as well.
 */
export function feedbackHistoryByEntryId(db: Database, organizationId: string, last: number) {
  return new DataLoader<string, FeedbackVersionRow[]>(async (entryIds) => {
    const rows = await db.read<FeedbackVersionRow>(Prisma.sql`
      SELECT ${selectList('GatewayFeedbackVersion', 'v')}
        FROM unnest(${[...entryIds]}::text[]) AS k(entry_id)
        CROSS JOIN LATERAL (
          SELECT * FROM gateway_feedback_versions v
           WHERE v.entry_id = k.entry_id AND v.organization_id = ${organizationId}
           ORDER BY v.version DESC LIMIT ${last}
        ) v
       ORDER BY v.entry_id, v.version`);
    const byEntry = new Map<string, FeedbackVersionRow[]>(entryIds.map((id) => [id, []]));
    for (const row of rows) byEntry.get(row.entryId)?.push(row);
    return entryIds.map((id) => byEntry.get(id) ?? []);
  });
}
