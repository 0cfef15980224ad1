/**
 * Letta's tables as a Letta server leaves them: extra columns, foreign keys to tables the gateway does
 * not model, Letta's own indexes and constraint names, and rows.
 */
export const LETTA_SCHEMA = `
  CREATE TYPE stepstatus AS ENUM ('PENDING', 'SUCCESS', 'FAILED', 'CANCELLED');
  CREATE TABLE organizations (id varchar PRIMARY KEY, name varchar NOT NULL, created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(), is_deleted boolean NOT NULL DEFAULT false, _created_by_id varchar,
    _last_updated_by_id varchar, privileged_tools boolean NOT NULL DEFAULT false);
  CREATE TABLE providers (id varchar PRIMARY KEY, organization_id varchar REFERENCES organizations(id));
  CREATE TABLE agents (id varchar PRIMARY KEY, organization_id varchar REFERENCES organizations(id));
  CREATE TABLE runs (id varchar PRIMARY KEY, organization_id varchar REFERENCES organizations(id));
  CREATE TABLE steps (
    id varchar PRIMARY KEY, origin varchar, organization_id varchar, provider_id varchar, run_id varchar, agent_id varchar,
    provider_name varchar, provider_category varchar, model varchar, model_handle varchar, model_endpoint varchar,
    context_window_limit integer, completion_tokens integer NOT NULL DEFAULT 0, prompt_tokens integer NOT NULL DEFAULT 0,
    total_tokens integer NOT NULL DEFAULT 0, cached_input_tokens integer, cache_write_tokens integer, reasoning_tokens integer,
    completion_tokens_details json, prompt_tokens_details json, stop_reason varchar, tags json, tid varchar, trace_id varchar,
    request_id varchar, feedback varchar, error_type varchar, error_data json, status stepstatus, project_id varchar,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), is_deleted boolean NOT NULL DEFAULT false,
    _created_by_id varchar, _last_updated_by_id varchar, base_template_id varchar, template_id varchar,
    CONSTRAINT fk_steps_organization_id FOREIGN KEY (provider_id) REFERENCES providers(id) ON DELETE RESTRICT,
    CONSTRAINT fk_steps_provider_id FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE RESTRICT,
    CONSTRAINT fk_steps_run_id FOREIGN KEY (run_id) REFERENCES runs(id) ON DELETE SET NULL);
  CREATE INDEX ix_steps_run_id ON steps (run_id);
  CREATE SEQUENCE message_seq;
  CREATE TABLE messages (
    id varchar PRIMARY KEY, organization_id varchar NOT NULL REFERENCES organizations(id),
    agent_id varchar NOT NULL REFERENCES agents(id) ON DELETE CASCADE, role varchar NOT NULL, text varchar, content json,
    model varchar, name varchar, tool_call_id varchar, otid varchar, group_id varchar, sender_id varchar, batch_item_id varchar,
    approval_request_id varchar, denial_reason varchar, tool_calls json NOT NULL, tool_returns json, approvals json,
    step_id varchar REFERENCES steps(id) ON DELETE SET NULL, run_id varchar REFERENCES runs(id) ON DELETE SET NULL,
    conversation_id varchar, is_err boolean, approve boolean, sequence_id bigint NOT NULL DEFAULT nextval('message_seq') UNIQUE,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), is_deleted boolean NOT NULL DEFAULT false,
    _created_by_id varchar, _last_updated_by_id varchar);
  CREATE INDEX idx_messages_step_id ON messages (step_id);
  CREATE TABLE provider_traces (
    id varchar PRIMARY KEY, request_json json NOT NULL, response_json json NOT NULL, step_id varchar,
    organization_id varchar NOT NULL REFERENCES organizations(id), agent_id varchar, call_type varchar, run_id varchar,
    source varchar, agent_tags json, org_id varchar, user_id varchar, compaction_settings json, llm_config json,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), is_deleted boolean NOT NULL DEFAULT false,
    _created_by_id varchar, _last_updated_by_id varchar);
  CREATE INDEX ix_step_id ON provider_traces (step_id);
  CREATE TABLE step_metrics (
    id varchar PRIMARY KEY REFERENCES steps(id) ON DELETE CASCADE, organization_id varchar REFERENCES organizations(id),
    provider_id varchar REFERENCES providers(id), run_id varchar REFERENCES runs(id) ON DELETE SET NULL,
    agent_id varchar NOT NULL REFERENCES agents(id) ON DELETE CASCADE, project_id varchar, step_start_ns bigint,
    llm_request_start_ns bigint, llm_request_ns bigint, tool_execution_ns bigint, step_ns bigint, base_template_id varchar,
    template_id varchar, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
    is_deleted boolean NOT NULL DEFAULT false, _created_by_id varchar, _last_updated_by_id varchar);

  INSERT INTO organizations (id, name) VALUES ('org-00000000-0000-4000-8000-00000000000a', 'Letta org');
  INSERT INTO providers (id) VALUES ('provider-1');
  INSERT INTO agents (id) VALUES ('agent-1');
  INSERT INTO runs (id) VALUES ('run-1');
  INSERT INTO steps (id, organization_id, provider_id, run_id, agent_id, model, tags, status, stop_reason, feedback, created_at)
    VALUES ('step-11111111-1111-4111-8111-111111111111', 'org-00000000-0000-4000-8000-00000000000a', 'provider-1', 'run-1', 'agent-1',
            'gpt-4o-mini', '["letta"]', 'SUCCESS', 'end_turn', 'positive', '2025-09-01T12:00:00.654321Z');
  INSERT INTO messages (id, organization_id, agent_id, role, content, tool_calls, step_id)
    VALUES ('message-22222222-2222-4222-8222-222222222222', 'org-00000000-0000-4000-8000-00000000000a', 'agent-1', 'assistant',
            '[{"type": "reasoning", "is_native": true, "reasoning": "hm"}]', '[]', 'step-11111111-1111-4111-8111-111111111111');
  INSERT INTO provider_traces (id, request_json, response_json, step_id, organization_id)
    VALUES ('provider_trace-33333333-3333-4333-8333-333333333333', '{"model": "gpt-4o-mini"}', '{"id": "r"}',
            'step-11111111-1111-4111-8111-111111111111', 'org-00000000-0000-4000-8000-00000000000a');
  INSERT INTO step_metrics (id, agent_id, step_ns) VALUES ('step-11111111-1111-4111-8111-111111111111', 'agent-1', 1234567890123456789);
`;
