import { EVENT_MESSAGE_TYPE, HIDDEN_REASONING_STATE, LETTA_MESSAGE_TYPE, MESSAGE_ROLE, REASONING_SOURCE, STEP_FEEDBACK, STEP_STATUS, STOP_REASON, TOOL_RETURN_STATUS, type Enumeration } from '../letta/enums.ts';
import { builder } from './builder.ts';

/** The values of a GraphQL enum made from a Letta enumeration: each GraphQL name resolves to the stored value. */
function valuesOf<E extends Enumeration>(enumeration: E) {
  return Object.fromEntries(Object.entries(enumeration).map(([name, [value, description]]) => [name, { value, description }])) as {
    [Name in keyof E]: { value: E[Name][0]; description: string };
  };
}

export const StepStatusEnum = builder.enumType('StepStatus', { description: 'Status of a step execution.', values: valuesOf(STEP_STATUS) });

export const StopReasonEnum = builder.enumType('StopReason', { description: 'The stop reason associated with a step.', values: valuesOf(STOP_REASON) });

export const StepFeedbackEnum = builder.enumType('StepFeedback', { description: 'Feedback on a step.', values: valuesOf(STEP_FEEDBACK) });

export const MessageRoleEnum = builder.enumType('MessageRole', {
  description: 'The role of the participant that produced a message.',
  values: valuesOf(MESSAGE_ROLE),
});

export const ToolReturnStatusEnum = builder.enumType('ToolReturnStatus', { description: 'The status of a tool call.', values: valuesOf(TOOL_RETURN_STATUS) });

export const LettaMessageTypeEnum = builder.enumType('LettaMessageType', { description: 'The type of a LettaMessage (its `message_type`).', values: valuesOf(LETTA_MESSAGE_TYPE) });

export const ReasoningMessageSourceEnum = builder.enumType('ReasoningMessageSource', {
  description: 'Whether the reasoning content was generated natively by a reasoner model or derived via prompting.',
  values: valuesOf(REASONING_SOURCE),
});

export const HiddenReasoningStateEnum = builder.enumType('HiddenReasoningState', {
  description: 'Whether the reasoning content was redacted by the provider or simply omitted by the API.',
  values: valuesOf(HIDDEN_REASONING_STATE),
});

export const EventMessageTypeEnum = builder.enumType('EventMessageType', { description: 'The type of an event message.', values: valuesOf(EVENT_MESSAGE_TYPE) });
