/**
 * The GraphQL operations behind Letta's REST routes for steps (written in rest/operations.graphql, typed by
 * `npm run codegen` into rest/generated.ts), and the mapping of their results to the JSON Letta's API returns
 * (snake_case, lower-case enum values), typed so that it must fit `@letta-ai/letta-client`'s own types (a
 * test checks it). Each route runs one of these through the same executor as any GraphQL request.
 */
import { print } from 'graphql';

import {
  LettaListStepsDocument,
  LettaMessageFieldsFragmentDoc,
  LettaRetrieveStepDocument,
  LettaStepFeedbackDocument,
  LettaStepMessagesDocument,
  LettaStepMetricsDocument,
  LettaStepTraceDocument,
  type LettaMessageFieldsFragment,
  type LettaPartFieldsFragment,
  type LettaStepFieldsFragment,
  type LettaStepMetricsQuery,
  type LettaStepTraceQuery,
  type LettaToolCallFieldsFragment,
  type LettaToolReturnFieldsFragment,
} from './generated.ts';

/** Each route's operation as the text it sends (its fragments included). */
export const REST_OPERATIONS = {
  LettaListSteps: print(LettaListStepsDocument),
  LettaRetrieveStep: print(LettaRetrieveStepDocument),
  LettaStepMetrics: print(LettaStepMetricsDocument),
  LettaStepTrace: print(LettaStepTraceDocument),
  LettaStepMessages: print(LettaStepMessagesDocument),
  LettaStepFeedback: print(LettaStepFeedbackDocument),
} as const;

export type RestOperation = keyof typeof REST_OPERATIONS;

/** Every field of every LettaMessage, as a fragment `LettaMessageFields` (with the fragments it spreads). */
export const LETTA_MESSAGE_FRAGMENT = print(LettaMessageFieldsFragmentDoc);

const lower = <Value extends string>(value: Value | null) => (value === null ? null : (value.toLowerCase() as Lowercase<Value>));

/** A 64-bit integer written as a JSON number, digit for digit (JSON.stringify would go through a float). */
export class JsonInteger {
  constructor(readonly digits: string) {}
}

/** JSON text in which JsonIntegers are numbers written exactly. */
export function jsonText(value: unknown): string {
  const integers: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof JsonInteger)) return item;
    integers.push(item.digits);
    return `\u0000${integers.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_match, index: string) => integers[Number(index)]!);
}

/** Typed as the number it is written as. */
const integer = (digits: string | null) => (digits === null ? null : (new JsonInteger(digits) as unknown as number));

/** Letta's `Step`. */
export function stepJson(step: LettaStepFieldsFragment) {
  return {
    id: step.id,
    origin: step.origin,
    organization_id: step.organizationId,
    provider_id: step.providerId,
    run_id: step.runId,
    agent_id: step.agentId,
    provider_name: step.providerName,
    provider_category: step.providerCategory,
    model: step.model,
    model_handle: step.modelHandle,
    model_endpoint: step.modelEndpoint,
    context_window_limit: step.contextWindowLimit,
    completion_tokens: step.completionTokens,
    prompt_tokens: step.promptTokens,
    total_tokens: step.totalTokens,
    cached_input_tokens: step.cachedInputTokens,
    cache_write_tokens: step.cacheWriteTokens,
    reasoning_tokens: step.reasoningTokens,
    completion_tokens_details: step.completionTokensDetails as Record<string, unknown> | null,
    prompt_tokens_details: step.promptTokensDetails as Record<string, unknown> | null,
    stop_reason: lower(step.stopReason),
    tags: step.tags,
    tid: step.tid,
    trace_id: step.traceId,
    request_id: step.requestId,
    feedback: lower(step.feedback),
    error_type: step.errorType,
    error_data: step.errorData as Record<string, unknown> | null,
    status: lower(step.status),
    project_id: step.projectId,
    // Deprecated by Letta, and always empty there: the messages are at /v1/steps/{step_id}/messages.
    messages: [] as never[],
  };
}

/** Letta's `StepMetrics`: the nanosecond counts as JSON integers, exactly. */
export function metricsJson(metrics: NonNullable<NonNullable<LettaStepMetricsQuery['step']>['metrics']>) {
  return {
    id: metrics.id,
    organization_id: metrics.organizationId,
    provider_id: metrics.providerId,
    run_id: metrics.runId,
    agent_id: metrics.agentId,
    step_start_ns: integer(metrics.stepStartNs),
    llm_request_start_ns: integer(metrics.llmRequestStartNs),
    llm_request_ns: integer(metrics.llmRequestNs),
    tool_execution_ns: integer(metrics.toolExecutionNs),
    step_ns: integer(metrics.stepNs),
    base_template_id: metrics.baseTemplateId,
    template_id: metrics.templateId,
    project_id: metrics.projectId,
  };
}

/** Letta's `ProviderTrace`. */
export function traceJson(trace: NonNullable<NonNullable<LettaStepTraceQuery['step']>['trace']>) {
  return {
    id: trace.id,
    request_json: trace.requestJson as Record<string, unknown>,
    response_json: trace.responseJson as Record<string, unknown>,
    step_id: trace.stepId,
    agent_id: trace.agentId,
    agent_tags: trace.agentTags,
    call_type: trace.callType,
    run_id: trace.runId,
    source: trace.source,
    org_id: trace.orgId,
    user_id: trace.userId,
    compaction_settings: trace.compactionSettings as Record<string, unknown> | null,
    llm_config: trace.llmConfig as Record<string, unknown> | null,
    // Never stored: Letta's own server returns null too.
    billing_context: null,
    latency_ms: trace.latencyMs,
    created_by_id: trace.createdById,
    last_updated_by_id: trace.lastUpdatedById,
    // Letta's traces always have one; a row without one leaves it out.
    created_at: trace.createdAt ?? undefined,
    updated_at: trace.updatedAt,
  };
}

function partJson(part: LettaPartFieldsFragment) {
  if (part.__typename === 'TextContent') return { type: 'text' as const, text: part.text, signature: part.signature };
  const { source } = part;
  switch (source.__typename) {
    case 'UrlImageSource':
      return { type: 'image' as const, source: { type: 'url' as const, url: source.url } };
    case 'Base64ImageSource':
      return { type: 'image' as const, source: { type: 'base64' as const, media_type: source.mediaType!, data: source.data!, detail: source.detail } };
    default:
      return { type: 'image' as const, source: { type: 'letta' as const, file_id: source.fileId, media_type: source.mediaType, data: source.data, detail: source.detail } };
  }
}

const toolCallJson = (call: LettaToolCallFieldsFragment) => ({ name: call.name, arguments: call.arguments, tool_call_id: call.toolCallId });
const toolReturnJson = (record: LettaToolReturnFieldsFragment) => ({
  type: 'tool' as const,
  tool_return: record.toolReturn ?? (record.toolReturnParts ?? []).map(partJson),
  status: lower(record.status)!,
  tool_call_id: record.toolCallId!,
  stdout: record.stdout,
  stderr: record.stderr,
});

/** Letta writes a LettaMessage's date to the second, with an explicit UTC offset. */
const lettaDate = (date: string) => `${date.slice(0, 19)}+00:00`;

/** A LettaMessage as Letta's API returns it. */
export function lettaMessageJson(item: LettaMessageFieldsFragment) {
  const common = {
    id: item.id,
    date: lettaDate(item.date),
    name: item.name,
    otid: item.otid,
    sender_id: item.senderId,
    step_id: item.stepId,
    is_err: item.isErr,
    seq_id: item.seqId,
    run_id: item.runId,
  };
  switch (item.__typename) {
    case 'SystemMessage':
      return { ...common, message_type: 'system_message' as const, content: item.content! };
    case 'UserMessage':
      return { ...common, message_type: 'user_message' as const, content: item.content ?? (item.contentParts ?? []).map(partJson) };
    case 'AssistantMessage':
      return {
        ...common,
        message_type: 'assistant_message' as const,
        // An assistant message's parts are text.
        content: item.content ?? (item.contentParts ?? []).flatMap((part) => (part.__typename === 'TextContent' ? [{ type: 'text' as const, text: part.text, signature: part.signature }] : [])),
      };
    case 'ReasoningMessage':
      return { ...common, message_type: 'reasoning_message' as const, source: lower(item.source)!, reasoning: item.reasoning, signature: item.signature };
    case 'HiddenReasoningMessage':
      return { ...common, message_type: 'hidden_reasoning_message' as const, state: lower(item.state)!, hidden_reasoning: item.hiddenReasoning };
    case 'ToolCallMessage':
      return { ...common, message_type: 'tool_call_message' as const, tool_call: toolCallJson(item.toolCall), tool_calls: item.toolCalls?.map(toolCallJson) ?? null };
    case 'ApprovalRequestMessage':
      return { ...common, message_type: 'approval_request_message' as const, tool_call: toolCallJson(item.toolCall), tool_calls: item.toolCalls?.map(toolCallJson) ?? null };
    case 'ToolReturnMessage':
      return {
        ...common,
        message_type: 'tool_return_message' as const,
        tool_return: item.toolReturn,
        status: lower(item.status)!,
        tool_call_id: item.toolCallId,
        stdout: item.stdout,
        stderr: item.stderr,
        tool_returns: item.toolReturns?.map(toolReturnJson) ?? null,
      };
    case 'ApprovalResponseMessage':
      return {
        ...common,
        message_type: 'approval_response_message' as const,
        approvals:
          item.approvals?.map((approval) =>
            approval.__typename === 'ApprovalReturn'
              ? { type: 'approval' as const, tool_call_id: approval.toolCallId!, approve: approval.approve, reason: approval.reason }
              : toolReturnJson(approval),
          ) ?? null,
        approve: item.approve,
        approval_request_id: item.approvalRequestId,
        reason: item.reason,
      };
    case 'SummaryMessage': {
      const stats = item.compactionStats;
      return {
        ...common,
        message_type: 'summary_message' as const,
        summary: item.summary,
        compaction_stats:
          stats === null
            ? null
            : {
                trigger: stats.trigger,
                context_tokens_before: stats.contextTokensBefore,
                context_tokens_after: stats.contextTokensAfter,
                context_window: stats.contextWindow,
                messages_count_before: stats.messagesCountBefore,
                messages_count_after: stats.messagesCountAfter,
              },
      };
    }
    case 'EventMessage':
      return { ...common, message_type: 'event_message' as const, event_type: lower(item.eventType)!, event_data: item.eventData as Record<string, unknown> };
  }
}
