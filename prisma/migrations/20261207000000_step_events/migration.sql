-- Live updates (src/db/step-events.ts): each organization's step events, numbered in the order they were
-- recorded and kept for a while, so that a subscriber can resume after the last one it received; what each
-- step was like when its last event was recorded, so that a change is announced once, whoever sees it first
-- (the feed reader or a write through the gateway); and where the feed reader stands. Letta's tables get no
-- triggers and no columns, only the indexes that let the gateway read what changed since a time.
--
-- On a large existing Letta database, create the two indexes on Letta's tables beforehand with CREATE INDEX
-- CONCURRENTLY (same names), so that this migration finds them and does not lock the tables while it builds them.

-- What changed since a time (src/db/change-feed.ts), besides steps and their metrics: a step's messages, its
-- provider traces and its feedback entries, each leading back to its step.
CREATE INDEX IF NOT EXISTS "gateway_ix_messages_updated_at_id" ON "messages" ("updated_at", "id") INCLUDE ("step_id");
CREATE INDEX IF NOT EXISTS "gateway_ix_provider_traces_updated_at_id" ON "provider_traces" ("updated_at", "id") INCLUDE ("step_id");
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_updated_at_id" ON "gateway_feedback_entries" ("updated_at", "id") INCLUDE ("step_id");
CREATE INDEX IF NOT EXISTS "gateway_ix_feedback_entries_deleted_at_id" ON "gateway_feedback_entries" ("deleted_at", "id") INCLUDE ("step_id") WHERE "deleted_at" IS NOT NULL;

-- What each step was like when its last event was recorded: a digest of what it serves (its row, metrics,
-- messages and traces) and of its feedback (feedback, tags and feedback entries), and whether it was deleted.
-- A step without a mark has had no event: its first is CREATED.
CREATE TABLE IF NOT EXISTS "gateway_step_marks" (
  "step_id"  TEXT NOT NULL,
  "served"   UUID NOT NULL,
  "feedback" UUID NOT NULL,
  "deleted"  BOOLEAN NOT NULL DEFAULT false,
  CONSTRAINT "gateway_step_marks_pkey" PRIMARY KEY ("step_id")
);

-- The number of each organization's last event. Its row is locked by whoever records events of the
-- organization, until that transaction commits: events are numbered in the order they become visible.
CREATE TABLE IF NOT EXISTS "gateway_step_event_heads" (
  "organization_id" TEXT NOT NULL,
  "seq"             BIGINT NOT NULL,
  CONSTRAINT "gateway_step_event_heads_pkey" PRIMARY KEY ("organization_id")
);

-- The events, kept for EVENTS_RETENTION_MS after they were recorded.
CREATE TABLE IF NOT EXISTS "gateway_step_events" (
  "organization_id" TEXT NOT NULL,
  "seq"             BIGINT NOT NULL,
  "step_id"         TEXT NOT NULL,
  "type"            TEXT NOT NULL,
  "recorded_at"     TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "gateway_step_events_pkey" PRIMARY KEY ("organization_id", "seq"),
  CONSTRAINT "gateway_step_events_type" CHECK ("type" IN ('CREATED', 'UPDATED', 'FEEDBACK', 'DELETED'))
);
CREATE INDEX IF NOT EXISTS "gateway_ix_step_events_recorded_at" ON "gateway_step_events" ("recorded_at");

-- Where the feed reader stands: `ready` once every step has its mark, and the `updated_at` up to which changes
-- are recorded (`watermark`). One row.
CREATE TABLE IF NOT EXISTS "gateway_events_state" (
  "id"         INTEGER NOT NULL DEFAULT 1,
  "status"     TEXT NOT NULL,
  "watermark"  TIMESTAMPTZ(6),
  "built_at"   TIMESTAMPTZ(6),
  "read_at"    TIMESTAMPTZ(6),
  CONSTRAINT "gateway_events_state_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "gateway_events_state_one_row" CHECK ("id" = 1),
  CONSTRAINT "gateway_events_state_status" CHECK ("status" IN ('empty', 'building', 'ready'))
);
INSERT INTO "gateway_events_state" ("id", "status") VALUES (1, 'empty') ON CONFLICT ("id") DO NOTHING;
