import type { Database } from '../../src/db/database.ts';

/** The feedback mutation as the feedback tests send it, over whichever transport they test. */
export const SET_FEEDBACK = 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id feedback tags updatedAt } } }';

/** A step's feedback, tags and update time as stored. */
export async function storedFeedback(db: Database, stepId: string) {
  const [row] = await db.sql.query<{ feedback: string | null; tags: unknown; updated_at: Date }>('SELECT feedback, tags, updated_at FROM steps WHERE id = $1', [stepId]);
  return row!;
}
