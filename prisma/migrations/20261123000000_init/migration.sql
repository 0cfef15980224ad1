-- Letta's tables, as a Letta server lays them out (table names, column names, column types), plus the
-- gateway's own tables and the indexes the gateway's queries need.
--
-- Every statement is conditional: over a database that a Letta server already wrote, only what is missing
-- is created (the gateway's tables and its indexes); Letta's tables, extra columns, constraints and rows are
-- left as they are.

DO $$
BEGIN
  CREATE TYPE "stepstatus" AS ENUM ('PENDING', 'SUCCESS', 'FAILED', 'CANCELLED');
EXCEPTION
  WHEN duplicate_object THEN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS "organizations" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(6) DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT false,
  "_created_by_id" TEXT,
  "_last_updated_by_id" TEXT,
  CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "steps" (
  "id" TEXT NOT NULL,
  "origin" TEXT,
  "organization_id" TEXT,
  "provider_id" TEXT,
  "run_id" TEXT,
  "agent_id" TEXT,
  "provider_name" TEXT,
  "provider_category" TEXT,
  "model" TEXT,
  "model_handle" TEXT,
  "model_endpoint" TEXT,
  "context_window_limit" INTEGER,
  "completion_tokens" INTEGER NOT NULL DEFAULT 0,
  "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
  "total_tokens" INTEGER NOT NULL DEFAULT 0,
  "cached_input_tokens" INTEGER,
  "cache_write_tokens" INTEGER,
  "reasoning_tokens" INTEGER,
  "completion_tokens_details" JSON,
  "prompt_tokens_details" JSON,
  "stop_reason" VARCHAR,
  "tags" JSON,
  "tid" TEXT,
  "trace_id" TEXT,
  "request_id" TEXT,
  "feedback" TEXT,
  "error_type" TEXT,
  "error_data" JSON,
  "status" "stepstatus",
  "project_id" TEXT,
  "created_at" TIMESTAMPTZ(6) DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT false,
  "_created_by_id" TEXT,
  "_last_updated_by_id" TEXT,
  CONSTRAINT "steps_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "steps_organization_id_fkey" FOREIGN KEY ("organization_id")
    REFERENCES "organizations" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE TABLE IF NOT EXISTS "messages" (
  "id" TEXT NOT NULL,
  "organization_id" TEXT NOT NULL,
  "agent_id" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "text" TEXT,
  "content" JSON,
  "model" TEXT,
  "name" TEXT,
  "tool_call_id" TEXT,
  "otid" TEXT,
  "group_id" TEXT,
  "sender_id" TEXT,
  "batch_item_id" TEXT,
  "approval_request_id" TEXT,
  "denial_reason" TEXT,
  "tool_calls" JSON NOT NULL,
  "tool_returns" JSON,
  "approvals" JSON,
  "step_id" TEXT,
  "run_id" TEXT,
  "conversation_id" TEXT,
  "is_err" BOOLEAN,
  "approve" BOOLEAN,
  "sequence_id" BIGSERIAL NOT NULL,
  "created_at" TIMESTAMPTZ(6) DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT false,
  "_created_by_id" TEXT,
  "_last_updated_by_id" TEXT,
  CONSTRAINT "messages_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "messages_sequence_id_key" UNIQUE ("sequence_id"),
  CONSTRAINT "messages_organization_id_fkey" FOREIGN KEY ("organization_id")
    REFERENCES "organizations" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "messages_step_id_fkey" FOREIGN KEY ("step_id")
    REFERENCES "steps" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE TABLE IF NOT EXISTS "provider_traces" (
  "id" TEXT NOT NULL,
  "request_json" JSON NOT NULL,
  "response_json" JSON NOT NULL,
  "step_id" TEXT,
  "organization_id" TEXT NOT NULL,
  "agent_id" TEXT,
  "call_type" TEXT,
  "run_id" TEXT,
  "source" TEXT,
  "agent_tags" JSON,
  "org_id" TEXT,
  "user_id" TEXT,
  "compaction_settings" JSON,
  "llm_config" JSON,
  "created_at" TIMESTAMPTZ(6) DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT false,
  "_created_by_id" TEXT,
  "_last_updated_by_id" TEXT,
  CONSTRAINT "provider_traces_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "provider_traces_organization_id_fkey" FOREIGN KEY ("organization_id")
    REFERENCES "organizations" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE TABLE IF NOT EXISTS "step_metrics" (
  "id" TEXT NOT NULL,
  "organization_id" TEXT,
  "provider_id" TEXT,
  "run_id" TEXT,
  "agent_id" TEXT NOT NULL,
  "project_id" TEXT,
  "step_start_ns" BIGINT,
  "llm_request_start_ns" BIGINT,
  "llm_request_ns" BIGINT,
  "tool_execution_ns" BIGINT,
  "step_ns" BIGINT,
  "base_template_id" TEXT,
  "template_id" TEXT,
  "created_at" TIMESTAMPTZ(6) DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT false,
  "_created_by_id" TEXT,
  "_last_updated_by_id" TEXT,
  CONSTRAINT "step_metrics_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "step_metrics_id_fkey" FOREIGN KEY ("id")
    REFERENCES "steps" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "step_metrics_organization_id_fkey" FOREIGN KEY ("organization_id")
    REFERENCES "organizations" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- The gateway's own tables.
CREATE TABLE IF NOT EXISTS "gateway_api_keys" (
  "id" TEXT NOT NULL,
  "organization_id" TEXT NOT NULL,
  "name" TEXT,
  "key_hash" TEXT NOT NULL,
  "key_prefix" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "revoked_at" TIMESTAMPTZ(6),
  "last_used_at" TIMESTAMPTZ(6),
  CONSTRAINT "gateway_api_keys_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "gateway_api_keys_organization_id_fkey" FOREIGN KEY ("organization_id")
    REFERENCES "organizations" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS "gateway_api_keys_key_hash_key" ON "gateway_api_keys" ("key_hash");
CREATE INDEX IF NOT EXISTS "gateway_ix_api_keys_org" ON "gateway_api_keys" ("organization_id");

-- Indexes. Traces are found by step through Letta's own index (same name, so a Letta database keeps just
-- the one it has). The step list is keyset-paginated over (created_at, id) within an organization,
-- optionally narrowed to an agent or a run; a step's messages are read in (created_at, id) order.
CREATE INDEX IF NOT EXISTS "ix_step_id" ON "provider_traces" ("step_id");
CREATE INDEX IF NOT EXISTS "gateway_ix_steps_org_created_at_id" ON "steps" ("organization_id", "created_at", "id");
CREATE INDEX IF NOT EXISTS "gateway_ix_steps_org_agent_created_at_id" ON "steps" ("organization_id", "agent_id", "created_at", "id");
CREATE INDEX IF NOT EXISTS "gateway_ix_steps_org_run_created_at_id" ON "steps" ("organization_id", "run_id", "created_at", "id");
CREATE INDEX IF NOT EXISTS "gateway_ix_messages_step_created_at_id" ON "messages" ("step_id", "created_at", "id");
