import type { Database } from '../../src/db/database.ts';

/** The feedback mutation as the feedback tests send it, over whichever transport they test. */
export const SET_FEEDBACK = 'mutation($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { id feedback tags updatedAt } } }';

/** A step's feedback, tags and update time as stored. */
export async function storedFeedback(db: Database, stepId: string) {
  const [row] = await db.sql.query<{ feedback: string | null; tags: unknown; updated_at: Date }>('SELECT feedback, tags, updated_at FROM steps WHERE id = $1', [stepId]);
  return row!;
}

/** The fields of a feedback entry the tests read back. */
export const ENTRY_FIELDS = `id stepId name score comment attributes source submittedBy { type id name email } version createdAt updatedAt deletedAt
  history { version score comment attributes source submittedBy { type id name email } recordedAt replacedAt }`;

/** submitStepFeedback, returning the entry and the step's summary and entries as they are after it. */
export const SUBMIT_FEEDBACK = `mutation($input: SubmitStepFeedbackInput!) { submitStepFeedback(input: $input) {
  outcome
  entry { ${ENTRY_FIELDS} }
  step { id feedbackSummary { count scoredCount meanScore minScore maxScore positiveCount negativeCount withCommentCount } feedbackEntries { totalCount nodes { id score } } }
} }`;

/** A step's feedback entries as stored, deleted ones included, oldest first. */
export async function storedEntries(db: Database, stepId: string) {
  return db.sql.query<{ id: string; score: number | null; version: number; submitter_type: string; submitter_id: string; api_key_id: string; deleted_at: Date | null }>(
    'SELECT * FROM gateway_feedback_entries WHERE step_id = $1 ORDER BY created_at, id',
    [stepId],
  );
}

/** The versions an entry replaced, as stored, oldest first. */
export async function storedVersions(db: Database, entryId: string) {
  return db.sql.query<{ version: number; score: number | null }>('SELECT * FROM gateway_feedback_versions WHERE entry_id = $1 ORDER BY version', [entryId]);
}
