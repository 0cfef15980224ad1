import type { ApprovalRecord, ToolCallRecord, ToolReturnRecord } from '../letta/content.ts';
import { builder } from './builder.ts';
import { ImageContentType, TextContentType } from './content.ts';
import { ToolReturnStatusEnum } from './enums.ts';

/** The GraphQL types of what messages record about tool calls: the calls, their returns, and approvals. */
export const ToolResponsePartUnion = builder.unionType('ToolResponsePart', {
  description: 'A part of a tool response given as a list: text or an image.',
  types: [TextContentType, ImageContentType],
  resolveType: (part) => part.kind,
});

export const ToolReturnType = builder.objectRef<ToolReturnRecord>('ToolReturn').implement({
  description:
    'Tool execution return information for a prior tool call. The response is either a string (`funcResponse`) or a list of text and image parts (`funcResponseParts`); the other is null.',
  fields: (t) => ({
    status: t.field({ type: ToolReturnStatusEnum, description: 'The status of the tool call.', resolve: (record) => record.status }),
    funcResponse: t.exposeString('funcResponse', {
      nullable: true,
      description: 'The function response string. Null when the response is a list of parts.',
    }),
    funcResponseParts: t.field({
      type: [ToolResponsePartUnion],
      nullable: true,
      description: 'The function response as a list of text and image parts. Null when the response is a string.',
      resolve: (record) => record.funcResponseParts,
    }),
    stdout: t.stringList({ nullable: true, description: 'Captured stdout (e.g. prints, logs) from the tool invocation.', resolve: (r) => r.stdout }),
    stderr: t.stringList({ nullable: true, description: 'Captured stderr from the tool invocation.', resolve: (r) => r.stderr }),
    toolCallId: t.exposeString('toolCallId', { nullable: true, description: 'The ID for the tool call.' }),
  }),
});

export const ApprovalReturnType = builder.objectRef<ApprovalRecord>('ApprovalReturn').implement({
  description: 'A decision on a tool call that required approval.',
  fields: (t) => ({
    approve: t.exposeBoolean('approve', { description: 'Whether the tool has been approved.' }),
    // Nullable only so that it merges with ToolReturn.toolCallId in one selection over MessageApproval.
    toolCallId: t.exposeString('toolCallId', {
      nullable: true,
      description: 'The ID of the tool call that corresponds to this approval. Always present.',
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'An optional explanation for the provided approval status.' }),
  }),
});

export const MessageApprovalUnion = builder.unionType('MessageApproval', {
  description: 'An entry of a message’s approvals: an approval decision, or the return of an approved tool call.',
  types: [ApprovalReturnType, ToolReturnType],
  resolveType: (record) => record.kind,
});

const ToolCallFunctionType = builder.objectRef<ToolCallRecord['function']>('ToolCallFunction').implement({
  description: 'The function that the model called.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name of the function.' }),
    arguments: t.exposeString('arguments', { description: 'The arguments, as the JSON text the model produced.' }),
  }),
});

export const ToolCallType = builder.objectRef<ToolCallRecord>('ToolCall').implement({
  description: 'A tool call requested by the model (OpenAI format).',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The id of the tool call.' }),
    type: t.exposeString('type', { description: 'The type of the tool call; always "function".' }),
    function: t.field({ type: ToolCallFunctionType, description: 'The function that the model called.', resolve: (call) => call.function }),
  }),
});
