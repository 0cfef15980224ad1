/**
 * The GraphQL operations behind Letta's REST routes for steps, and the mapping of their results to the JSON
 * Letta's API returns (snake_case, lower-case enum values). Each route runs one of these through the same
 * executor as any GraphQL request (see rest/plugin.ts).
 */

const TOOL_RETURN_PARTS = `__typename
    ... on TextContent { text signature }
    ... on ImageContent { source { __typename ... on UrlImageSource { url } ... on Base64ImageSource { data mediaType detail } ... on LettaImageSource { fileId mediaType data detail } } }`;

/** Every field of every LettaMessage. */
export const LETTA_MESSAGE_FRAGMENT = `fragment LettaToolReturnFields on LettaToolReturn {
  toolReturn
  toolReturnParts { ${TOOL_RETURN_PARTS} }
  status toolCallId stdout stderr
}

fragment LettaMessageFields on LettaMessage {
  __typename
  ... on LettaMessageBase { id index date name messageType otid senderId stepId isErr seqId runId }
  ... on SystemMessage { content }
  ... on UserMessage { content contentParts { ${TOOL_RETURN_PARTS} } }
  ... on AssistantMessage { content contentParts { __typename text signature } }
  ... on ReasoningMessage { source reasoning signature }
  ... on HiddenReasoningMessage { state hiddenReasoning }
  ... on ToolCallMessage { toolCall { name arguments toolCallId } toolCalls { name arguments toolCallId } }
  ... on ToolReturnMessage { toolReturn status toolCallId stdout stderr toolReturns { ...LettaToolReturnFields } }
  ... on ApprovalRequestMessage { toolCall { name arguments toolCallId } toolCalls { name arguments toolCallId } }
  ... on ApprovalResponseMessage {
    approvals { __typename ... on ApprovalReturn { approve toolCallId reason } ... on LettaToolReturn { ...LettaToolReturnFields } }
    approve approvalRequestId reason
  }
  ... on SummaryMessage { summary compactionStats { trigger contextTokensBefore contextTokensAfter contextWindow messagesCountBefore messagesCountAfter } }
  ... on EventMessage { eventType eventData }
}`;

const STEP_FRAGMENT = `fragment LettaStepFields on Step {
  id origin organizationId providerId runId agentId providerName providerCategory model modelHandle modelEndpoint
  contextWindowLimit completionTokens promptTokens totalTokens cachedInputTokens cacheWriteTokens reasoningTokens
  completionTokensDetails promptTokensDetails stopReason tags tid traceId requestId feedback errorType errorData status projectId
}`;

export const REST_OPERATIONS = {
  LettaListSteps: `query LettaListSteps($first: Int, $after: String, $last: Int, $before: String, $filter: StepFilter, $orderBy: StepOrder) {
  steps(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { nodes { ...LettaStepFields } }
}
${STEP_FRAGMENT}`,
  LettaRetrieveStep: `query LettaRetrieveStep($id: ID!) { step(id: $id) { ...LettaStepFields } }
${STEP_FRAGMENT}`,
  LettaStepMetrics: `query LettaStepMetrics($id: ID!) {
  step(id: $id) {
    id
    metrics { id organizationId providerId runId agentId stepStartNs llmRequestStartNs llmRequestNs toolExecutionNs stepNs baseTemplateId templateId projectId }
  }
}`,
  LettaStepTrace: `query LettaStepTrace($id: ID!) {
  step(id: $id) {
    id
    trace {
      id requestJson responseJson stepId agentId agentTags callType runId source orgId userId compactionSettings llmConfig
      createdById lastUpdatedById createdAt updatedAt latencyMs
    }
  }
}`,
  LettaStepMessages: `query LettaStepMessages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  step(id: $id) {
    id
    lettaMessages(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage }
      nodes { ...LettaMessageFields }
      skipped { messageId }
    }
  }
}
${LETTA_MESSAGE_FRAGMENT}`,
  LettaStepFeedback: `mutation LettaStepFeedback($input: SetStepFeedbackInput!) { setStepFeedback(input: $input) { step { ...LettaStepFields } } }
${STEP_FRAGMENT}`,
} as const;

export type RestOperation = keyof typeof REST_OPERATIONS;

type Json = Record<string, any>;
const lower = (value: string | null | undefined) => (value == null ? null : value.toLowerCase());

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

const integer = (digits: string | null) => (digits === null ? null : new JsonInteger(digits));

/** Letta's `Step`. */
export function stepJson(step: Json): Json {
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
    completion_tokens_details: step.completionTokensDetails,
    prompt_tokens_details: step.promptTokensDetails,
    stop_reason: lower(step.stopReason),
    tags: step.tags,
    tid: step.tid,
    trace_id: step.traceId,
    request_id: step.requestId,
    feedback: lower(step.feedback),
    error_type: step.errorType,
    error_data: step.errorData,
    status: lower(step.status),
    project_id: step.projectId,
    // Deprecated by Letta, and always empty there: the messages are at /v1/steps/{step_id}/messages.
    messages: [],
  };
}

/** Letta's `StepMetrics`: the nanosecond counts as JSON integers, exactly. */
export function metricsJson(metrics: Json): Json {
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
export function traceJson(trace: Json): Json {
  return {
    id: trace.id,
    request_json: trace.requestJson,
    response_json: trace.responseJson,
    step_id: trace.stepId,
    agent_id: trace.agentId,
    agent_tags: trace.agentTags,
    call_type: trace.callType,
    run_id: trace.runId,
    source: trace.source,
    org_id: trace.orgId,
    user_id: trace.userId,
    compaction_settings: trace.compactionSettings,
    llm_config: trace.llmConfig,
    // Never stored: Letta's own server returns null too.
    billing_context: null,
    latency_ms: trace.latencyMs,
    created_by_id: trace.createdById,
    last_updated_by_id: trace.lastUpdatedById,
    created_at: trace.createdAt,
    updated_at: trace.updatedAt,
  };
}

function partJson(part: Json): Json {
  if (part.__typename === 'TextContent') return { type: 'text', text: part.text, signature: part.signature };
  const source: Json = part.source;
  switch (source.__typename) {
    case 'UrlImageSource':
      return { type: 'image', source: { type: 'url', url: source.url } };
    case 'Base64ImageSource':
      return { type: 'image', source: { type: 'base64', media_type: source.mediaType, data: source.data, detail: source.detail } };
    default:
      return { type: 'image', source: { type: 'letta', file_id: source.fileId, media_type: source.mediaType, data: source.data, detail: source.detail } };
  }
}

const contentJson = (item: Json) => item.content ?? (item.contentParts as Json[]).map(partJson);
const toolCallJson = (call: Json) => ({ name: call.name, arguments: call.arguments, tool_call_id: call.toolCallId });
const toolReturnJson = (record: Json) => ({
  type: 'tool',
  tool_return: record.toolReturn ?? (record.toolReturnParts as Json[]).map(partJson),
  status: lower(record.status),
  tool_call_id: record.toolCallId,
  stdout: record.stdout,
  stderr: record.stderr,
});

/** Letta writes a LettaMessage's date to the second, with an explicit UTC offset. */
const lettaDate = (date: string | null) => (date === null ? null : `${date.slice(0, 19)}+00:00`);

/** A LettaMessage as Letta's API returns it. */
export function lettaMessageJson(item: Json): Json {
  const common = {
    id: item.id,
    date: lettaDate(item.date),
    name: item.name,
    message_type: lower(item.messageType),
    otid: item.otid,
    sender_id: item.senderId,
    step_id: item.stepId,
    is_err: item.isErr,
    seq_id: item.seqId,
    run_id: item.runId,
  };
  switch (item.__typename) {
    case 'SystemMessage':
    case 'UserMessage':
    case 'AssistantMessage':
      return { ...common, content: contentJson(item) };
    case 'ReasoningMessage':
      return { ...common, source: lower(item.source), reasoning: item.reasoning, signature: item.signature };
    case 'HiddenReasoningMessage':
      return { ...common, state: lower(item.state), hidden_reasoning: item.hiddenReasoning };
    case 'ToolCallMessage':
    case 'ApprovalRequestMessage':
      return { ...common, tool_call: toolCallJson(item.toolCall), tool_calls: item.toolCalls?.map(toolCallJson) ?? null };
    case 'ToolReturnMessage':
      return {
        ...common,
        tool_return: item.toolReturn,
        status: lower(item.status),
        tool_call_id: item.toolCallId,
        stdout: item.stdout,
        stderr: item.stderr,
        tool_returns: item.toolReturns?.map(toolReturnJson) ?? null,
      };
    case 'ApprovalResponseMessage':
      return {
        ...common,
        approvals:
          item.approvals?.map((approval: Json) =>
            approval.__typename === 'ApprovalReturn' ? { type: 'approval', tool_call_id: approval.toolCallId, approve: approval.approve, reason: approval.reason } : toolReturnJson(approval),
          ) ?? null,
        approve: item.approve,
        approval_request_id: item.approvalRequestId,
        reason: item.reason,
      };
    case 'SummaryMessage': {
      const stats: Json | null = item.compactionStats;
      return {
        ...common,
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
    default:
      return { ...common, event_type: lower(item.eventType), event_data: item.eventData };
  }
}
