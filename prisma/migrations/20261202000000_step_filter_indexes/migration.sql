-- Every filter of the step list is served by an index, so that a page and a (capped) count read index
-- ranges, never the whole table, however many steps there are.
-- - An equality filter's index continues with (created_at, id): a filtered page is read in list order
--   and stops after one page.
-- - The indexes hold live steps only (the gateway never reads deleted ones), so that a count is an
--   index-only scan and never visits the table.
-- The three step indexes of the first migration are replaced by live-only ones.
--
-- On a large existing Letta database, create these beforehand with CREATE INDEX CONCURRENTLY (same names
-- and definitions), so that building them does not hold up Letta's writes: IF NOT EXISTS then skips them.
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_created_at_id" ON "steps" ("organization_id", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_agent_created_at_id" ON "steps" ("organization_id", "agent_id", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_run_created_at_id" ON "steps" ("organization_id", "run_id", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_model_created_at_id" ON "steps" ("organization_id", "model", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_model_handle_created_at_id" ON "steps" ("organization_id", "model_handle", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_provider_created_at_id" ON "steps" ("organization_id", "provider_name", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_project_created_at_id" ON "steps" ("organization_id", "project_id", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_status_created_at_id" ON "steps" ("organization_id", "status", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_stop_reason_created_at_id" ON "steps" ("organization_id", "stop_reason", "created_at", "id") WHERE NOT "is_deleted";
-- feedback = x and feedback IS NULL (hasFeedback: false) read this one; hasFeedback: true reads the next.
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_feedback_created_at_id" ON "steps" ("organization_id", "feedback", "created_at", "id") WHERE NOT "is_deleted";
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_with_feedback_org_created_at_id" ON "steps" ("organization_id", "created_at", "id") WHERE NOT "is_deleted" AND "feedback" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_org_trace_id" ON "steps" ("organization_id", "trace_id") WHERE NOT "is_deleted";
-- tags is a json column (as Letta has it); the filter is jsonb containment, `tags::jsonb @> '["a","b"]'`.
CREATE INDEX IF NOT EXISTS "gateway_ix_live_steps_tags" ON "steps" USING gin ((("tags")::jsonb) jsonb_path_ops) WHERE NOT "is_deleted";

DROP INDEX IF EXISTS "gateway_ix_steps_org_created_at_id";
DROP INDEX IF EXISTS "gateway_ix_steps_org_agent_created_at_id";
DROP INDEX IF EXISTS "gateway_ix_steps_org_run_created_at_id";
