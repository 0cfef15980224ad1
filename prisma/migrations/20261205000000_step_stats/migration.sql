-- Pre-aggregated step statistics (src/db/stats-tables.ts), built and kept current by the gateway itself from
-- the rows any writer puts in `steps` and `step_metrics`: Letta's tables get no triggers and no columns, only
-- the indexes that let the gateway read what changed since a time (src/db/change-feed.ts).
--
-- On a large existing Letta database, create the two indexes on Letta's tables beforehand with CREATE INDEX
-- CONCURRENTLY (same names), so that this migration finds them and does not lock the tables while it builds them.

-- What changed since a time: steps and their metrics by `updated_at`, which Letta sets on every write.
CREATE INDEX IF NOT EXISTS "gateway_ix_steps_updated_at_id" ON "steps" ("updated_at", "id");
CREATE INDEX IF NOT EXISTS "gateway_ix_step_metrics_updated_at_id" ON "step_metrics" ("updated_at", "id");

-- One row per live step: the columns its statistics are made of, its metrics' durations beside them. Named as
-- `steps` names them, so that the step filter's SQL (stepConditions) reads it as it reads `steps`; `is_deleted`
-- is always false (a deleted step has no row).
CREATE TABLE IF NOT EXISTS "gateway_step_facts" (
  "id"                  TEXT NOT NULL,
  "organization_id"     TEXT NOT NULL,
  "is_deleted"          BOOLEAN NOT NULL DEFAULT false,
  "created_at"          TIMESTAMPTZ(6),
  "agent_id"            TEXT,
  "run_id"              TEXT,
  "model"               TEXT,
  "model_handle"        TEXT,
  "provider_name"       TEXT,
  "project_id"          TEXT,
  "status"              "stepstatus",
  "stop_reason"         TEXT,
  "feedback"            TEXT,
  "prompt_tokens"       INTEGER,
  "completion_tokens"   INTEGER,
  "total_tokens"        INTEGER,
  "cached_input_tokens" INTEGER,
  "cache_write_tokens"  INTEGER,
  "reasoning_tokens"    INTEGER,
  "step_ns"             BIGINT,
  "llm_request_ns"      BIGINT,
  "tool_execution_ns"   BIGINT,
  CONSTRAINT "gateway_step_facts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "gateway_ix_step_facts_org_created_at" ON "gateway_step_facts" ("organization_id", "created_at");

-- The facts summed by the hour (UTC) of their creation: for the whole organization (dimension '') and by the
-- value of each dimension but the run. `value_key` is the value made unique with NULL ('n' for NULL, 'v'
-- followed by the value otherwise), so that it can be part of the key on every Postgres version.
CREATE TABLE IF NOT EXISTS "gateway_step_rollups" (
  "organization_id"         TEXT NOT NULL,
  "dimension"               TEXT NOT NULL,
  "hour_at"                 TIMESTAMPTZ(6) NOT NULL,
  "value_key"               TEXT NOT NULL,
  "value"                   TEXT,
  "count"                   INTEGER NOT NULL,
  "failed_count"            INTEGER NOT NULL,
  "cancelled_count"         INTEGER NOT NULL,
  "positive_feedback_count" INTEGER NOT NULL,
  "negative_feedback_count" INTEGER NOT NULL,
  "feedback_count"          INTEGER NOT NULL,
  "prompt_tokens_sum"       BIGINT NOT NULL,
  "prompt_tokens_count"     INTEGER NOT NULL,
  "completion_tokens_sum"   BIGINT NOT NULL,
  "completion_tokens_count" INTEGER NOT NULL,
  "total_tokens_sum"        BIGINT NOT NULL,
  "total_tokens_count"      INTEGER NOT NULL,
  "cached_input_tokens_sum"   BIGINT NOT NULL,
  "cached_input_tokens_count" INTEGER NOT NULL,
  "cache_write_tokens_sum"    BIGINT NOT NULL,
  "cache_write_tokens_count"  INTEGER NOT NULL,
  "reasoning_tokens_sum"      BIGINT NOT NULL,
  "reasoning_tokens_count"    INTEGER NOT NULL,
  CONSTRAINT "gateway_step_rollups_pkey" PRIMARY KEY ("organization_id", "dimension", "hour_at", "value_key")
);
-- Rows whose steps have all changed away: removed after each change is applied.
CREATE INDEX IF NOT EXISTS "gateway_ix_step_rollups_empty" ON "gateway_step_rollups" ("organization_id") WHERE "count" = 0;

-- Where the statistics stand: `ready` once built, the `updated_at` up to which changes are applied
-- (`watermark`), and when they were last brought up to date (`refreshed_at`). One row.
CREATE TABLE IF NOT EXISTS "gateway_stats_state" (
  "id"           INTEGER NOT NULL DEFAULT 1,
  "status"       TEXT NOT NULL,
  "watermark"    TIMESTAMPTZ(6),
  "built_at"     TIMESTAMPTZ(6),
  "refreshed_at" TIMESTAMPTZ(6),
  CONSTRAINT "gateway_stats_state_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "gateway_stats_state_one_row" CHECK ("id" = 1),
  CONSTRAINT "gateway_stats_state_status" CHECK ("status" IN ('empty', 'building', 'ready'))
);
INSERT INTO "gateway_stats_state" ("id", "status") VALUES (1, 'empty') ON CONFLICT ("id") DO NOTHING;
