-- Scored feedback entries (src/db/feedback-entries.ts): several named criteria per step, one current entry per
-- (step, criterion, submitter), each replaced version kept. The gateway's own tables: Letta's are not touched,
-- and no foreign key points at `steps` (a foreign key adds triggers to the table it references). An entry is
-- visible only while its step is.

-- What a key may do beyond reading and writing its organization's steps (`--on-behalf-of-users`).
ALTER TABLE "gateway_api_keys" ADD COLUMN IF NOT EXISTS "permissions" TEXT[] NOT NULL DEFAULT '{}';

CREATE TABLE IF NOT EXISTS "gateway_feedback_entries" (
  "id"              TEXT NOT NULL,
  "organization_id" TEXT NOT NULL,
  "step_id"         TEXT NOT NULL,
  "name"            TEXT NOT NULL,
  "score"           DOUBLE PRECISION,
  "comment"         TEXT,
  "attributes"      JSONB NOT NULL DEFAULT '{}',
  "source"          TEXT NOT NULL,
  -- The submitter: API_KEY (submitter_id is the key's id), USER (the end user's external id) or SYSTEM (the id
  -- of the key whose feedback token, naming no user, wrote it).
  "submitter_type"  TEXT NOT NULL,
  "submitter_id"    TEXT NOT NULL,
  "submitter_name"  TEXT,
  "submitter_email" TEXT,
  -- The key that wrote the current version, itself or through a feedback token it made.
  "api_key_id"      TEXT NOT NULL,
  "version"         INTEGER NOT NULL DEFAULT 1,
  "created_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "deleted_at"      TIMESTAMPTZ(6),
  CONSTRAINT "gateway_feedback_entries_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "gateway_feedback_entries_score_range" CHECK ("score" IS NULL OR ("score" >= -1 AND "score" <= 1)),
  CONSTRAINT "gateway_feedback_entries_score_or_comment" CHECK ("score" IS NOT NULL OR "comment" IS NOT NULL),
  CONSTRAINT "gateway_feedback_entries_source" CHECK ("source" IN ('API', 'APP', 'EVALUATOR')),
  CONSTRAINT "gateway_feedback_entries_submitter_type" CHECK ("submitter_type" IN ('API_KEY', 'USER', 'SYSTEM'))
);

-- One current entry per step, criterion and submitter: the upsert's conflict target.
CREATE UNIQUE INDEX IF NOT EXISTS "gateway_ux_feedback_entries_current"
  ON "gateway_feedback_entries" ("organization_id", "step_id", "name", "submitter_type", "submitter_id") WHERE "deleted_at" IS NULL;
-- A step's entries, newest first (Step.feedbackEntries), deleted ones included for the filter that asks for them.
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_step_created_at_id" ON "gateway_feedback_entries" ("step_id", "created_at", "id");
-- The step list's feedback filters: entries by criterion and score, by score alone, by submitter, with a comment.
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_org_name_score" ON "gateway_feedback_entries" ("organization_id", "name", "score", "step_id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_org_score" ON "gateway_feedback_entries" ("organization_id", "score", "step_id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_org_submitter" ON "gateway_feedback_entries" ("organization_id", "submitter_id", "step_id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_org_commented" ON "gateway_feedback_entries" ("organization_id", "name", "step_id") WHERE "deleted_at" IS NULL AND "comment" IS NOT NULL;

-- The versions an entry replaced, each as it was and when (recorded_at: when it was written; replaced_at: when
-- the next one took its place).
CREATE TABLE IF NOT EXISTS "gateway_feedback_versions" (
  "entry_id"        TEXT NOT NULL,
  "version"         INTEGER NOT NULL,
  "organization_id" TEXT NOT NULL,
  "score"           DOUBLE PRECISION,
  "comment"         TEXT,
  "attributes"      JSONB NOT NULL,
  "source"          TEXT NOT NULL,
  "submitter_name"  TEXT,
  "submitter_email" TEXT,
  "api_key_id"      TEXT NOT NULL,
  "recorded_at"     TIMESTAMPTZ(6) NOT NULL,
  "replaced_at"     TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "gateway_feedback_versions_pkey" PRIMARY KEY ("entry_id", "version")
);

-- The key that signs feedback tokens (src/auth/feedback-tokens.ts), shared by every replica like the cursor key.
INSERT INTO "gateway_secrets" ("name", "value")
VALUES ('feedback-token', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'))
ON CONFLICT ("name") DO NOTHING;
