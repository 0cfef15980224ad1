import DataLoader from 'dataloader';

import type { Message } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';
import { toLettaMessages, type ConvertedRow } from '../letta/letta-messages.ts';
import { pagesByStepId } from './pages-by-step-id.ts';

/** The most message rows of one step that Letta's view converts (a step is one LLM call: a few rows, usually). */
export const LETTA_VIEW_MAX_ROWS = 1000;

export interface StepLettaMessages {
  /** The step's rows, oldest first, each with its LettaMessages. */
  rows: ConvertedRow<Stored<Message>>[];
  /** Whether the step has more rows than the view converts (none are then shown). */
  tooMany: boolean;
}

/**
 * The LettaMessages of each of many steps, in one statement: every message row of each step (up to
 * LETTA_VIEW_MAX_ROWS), converted as a whole, since Letta's rules look across a step's rows (a tool return
 * of `send_message` is shown as its call's assistant message).
 */
export function lettaMessagesByStepId(db: Database, organizationId: string) {
  const pages = pagesByStepId<Stored<Message>>(db, {
    model: 'Message',
    table: 'messages',
    alias: 'm',
    where: visibleTo('m', organizationId),
    page: { limit: LETTA_VIEW_MAX_ROWS, backward: false },
    descending: false,
  });
  return new DataLoader<string, StepLettaMessages>(async (stepIds) =>
    (await pages.loadMany(stepIds)).map((rows) => {
      if (rows instanceof Error) throw rows;
      return rows.length > LETTA_VIEW_MAX_ROWS ? { rows: [], tooMany: true } : { rows: toLettaMessages(rows), tooMany: false };
    }),
  );
}
