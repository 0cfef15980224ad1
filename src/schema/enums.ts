import { builder } from './builder.ts';

/** Letta stores step status as the enum's upper-case names, which are also the GraphQL values. */
export const StepStatusEnum = builder.enumType('StepStatus', {
  description: 'Status of a step execution.',
  values: {
    PENDING: { value: 'PENDING', description: 'The step has started and not finished.' },
    SUCCESS: { value: 'SUCCESS', description: 'The step finished successfully.' },
    FAILED: { value: 'FAILED', description: 'The step failed; see `errorType` and `errorData`.' },
    CANCELLED: { value: 'CANCELLED', description: 'The step was cancelled.' },
  } as const,
});

const stopReasons = {
  END_TURN: ['end_turn', 'The agent ended its turn.'],
  ERROR: ['error', 'An error occurred.'],
  LLM_API_ERROR: ['llm_api_error', 'The LLM provider returned an error.'],
  INVALID_LLM_RESPONSE: ['invalid_llm_response', 'The LLM returned a response that could not be used.'],
  INVALID_TOOL_CALL: ['invalid_tool_call', 'The LLM called a tool that does not exist or with invalid arguments.'],
  MAX_STEPS: ['max_steps', 'The run reached its maximum number of steps.'],
  MAX_TOKENS_EXCEEDED: ['max_tokens_exceeded', 'The response reached the maximum number of tokens.'],
  NO_TOOL_CALL: ['no_tool_call', 'The LLM made no tool call where one was required.'],
  TOOL_RULE: ['tool_rule', 'A tool rule ended the step.'],
  CANCELLED: ['cancelled', 'The step was cancelled.'],
  INSUFFICIENT_CREDITS: ['insufficient_credits', 'The organization has insufficient credits.'],
  REQUIRES_APPROVAL: ['requires_approval', 'A tool call is waiting for approval.'],
  CONTEXT_WINDOW_OVERFLOW_IN_SYSTEM_PROMPT: [
    'context_window_overflow_in_system_prompt',
    'The system prompt alone overflows the context window.',
  ],
} as const;

export type StopReasonValue = (typeof stopReasons)[keyof typeof stopReasons][0];
export const stopReasonValues = new Set<string>(Object.values(stopReasons).map(([value]) => value));

export const StopReasonEnum = builder.enumType('StopReason', {
  description: 'The stop reason associated with a step.',
  values: Object.fromEntries(
    Object.entries(stopReasons).map(([name, [value, description]]) => [name, { value, description }]),
  ) as { [Name in keyof typeof stopReasons]: { value: (typeof stopReasons)[Name][0]; description: string } },
});

export const StepFeedbackEnum = builder.enumType('StepFeedback', {
  description: 'Feedback on a step.',
  values: {
    POSITIVE: { value: 'positive', description: 'The step was good.' },
    NEGATIVE: { value: 'negative', description: 'The step was bad.' },
  } as const,
});

export type StepFeedbackValue = 'positive' | 'negative';

export const MessageRoleEnum = builder.enumType('MessageRole', {
  description: 'The role of the participant that produced a message.',
  values: {
    ASSISTANT: { value: 'assistant', description: 'The agent (LLM output).' },
    USER: { value: 'user', description: 'A user, or input addressed to the agent.' },
    TOOL: { value: 'tool', description: 'The result of a tool call.' },
    FUNCTION: { value: 'function', description: 'The result of a function call (legacy form of `TOOL`).' },
    SYSTEM: { value: 'system', description: 'The system prompt.' },
    APPROVAL: { value: 'approval', description: 'A tool call approval request or response.' },
    SUMMARY: { value: 'summary', description: 'A summary of earlier messages, written when the context was compacted.' },
  } as const,
});

export const messageRoleValues = new Set<string>(['assistant', 'user', 'tool', 'function', 'system', 'approval', 'summary']);
