/**
 * Letta's enumerations as it stores them, each value with its GraphQL name and meaning: the one definition
 * the schema's enums, the filters, the parsers and the data layer all take their values and types from.
 */

/** A Letta enumeration: by GraphQL name, the stored value and its description. */
export type Enumeration = Record<string, readonly [stored: string, description: string]>;

/** The stored values of an enumeration, as a type. */
export type StoredValue<E extends Enumeration> = E[keyof E][0];

/** Whether a stored string is one of the enumeration's values (a row may hold one the gateway does not know). */
export function isStoredValue<E extends Enumeration>(enumeration: E, value: string | null | undefined): value is StoredValue<E> {
  return value != null && storedValues(enumeration).has(value);
}

const valueSets = new WeakMap<Enumeration, ReadonlySet<string>>();
function storedValues(enumeration: Enumeration): ReadonlySet<string> {
  let values = valueSets.get(enumeration);
  if (values === undefined) valueSets.set(enumeration, (values = new Set(Object.values(enumeration).map(([stored]) => stored))));
  return values;
}

/** Letta stores step status as the enum's upper-case names (the Postgres enum `stepstatus`). */
export const STEP_STATUS = {
  PENDING: ['PENDING', 'The step has started and not finished.'],
  SUCCESS: ['SUCCESS', 'The step finished successfully.'],
  FAILED: ['FAILED', 'The step failed; see `errorType` and `errorData`.'],
  CANCELLED: ['CANCELLED', 'The step was cancelled.'],
} as const satisfies Enumeration;

export const STOP_REASON = {
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
  CONTEXT_WINDOW_OVERFLOW_IN_SYSTEM_PROMPT: ['context_window_overflow_in_system_prompt', 'The system prompt alone overflows the context window.'],
} as const satisfies Enumeration;

export const STEP_FEEDBACK = {
  POSITIVE: ['positive', 'The step was good.'],
  NEGATIVE: ['negative', 'The step was bad.'],
} as const satisfies Enumeration;

export const MESSAGE_ROLE = {
  ASSISTANT: ['assistant', 'The agent (LLM output).'],
  USER: ['user', 'A user, or input addressed to the agent.'],
  TOOL: ['tool', 'The result of a tool call.'],
  FUNCTION: ['function', 'The result of a function call (legacy form of `TOOL`).'],
  SYSTEM: ['system', 'The system prompt.'],
  APPROVAL: ['approval', 'A tool call approval request or response.'],
  SUMMARY: ['summary', 'A summary of earlier messages, written when the context was compacted.'],
} as const satisfies Enumeration;

export const TOOL_RETURN_STATUS = {
  SUCCESS: ['success', 'The tool ran successfully.'],
  ERROR: ['error', 'The tool failed.'],
} as const satisfies Enumeration;

export type StepStatus = StoredValue<typeof STEP_STATUS>;
export type StopReason = StoredValue<typeof STOP_REASON>;
export type StepFeedback = StoredValue<typeof STEP_FEEDBACK>;
export type MessageRole = StoredValue<typeof MESSAGE_ROLE>;
export type ToolReturnStatus = StoredValue<typeof TOOL_RETURN_STATUS>;
