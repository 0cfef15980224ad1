import type { Message } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import { listOf, parseApproval, parseContent, parseToolCall, parseToolReturn } from '../letta/content.ts';
import { isStoredValue, MESSAGE_ROLE } from '../letta/enums.ts';
import { builder } from './builder.ts';
import { connectionArgs, defineConnection, lazyCount, pageCost } from './connection.ts';
import { MessageContentUnion } from './content.ts';
import { MessageRoleEnum } from './enums.ts';
import { NodeInterface } from './node.ts';
import { pageRequest, toPage } from './pages.ts';
import { CONNECTION_ITEMS, fieldsSelected, readsPage } from './selection.ts';
import { StepType } from './step.ts';
import { MessageApprovalUnion, ToolCallType, ToolReturnType } from './tool-calls.ts';

const PAGE = { size: 20, max: 100 };

export const MessageType = builder.objectRef<Stored<Message>>('Message').implement({
  description: 'A message produced during a step (user, assistant, tool, reasoning, approval, ...), with typed content.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The human-friendly ID of the Message (`message-<uuid>`).' }),
    role: t.field({
      type: MessageRoleEnum,
      nullable: true,
      description: 'The role of the participant. Null only for a role this API does not know (written by a newer server).',
      resolve: (message) => (isStoredValue(MESSAGE_ROLE, message.role) ? message.role : null),
    }),
    content: t.field({
      type: [MessageContentUnion],
      description:
        'The content of the message, as typed parts. A legacy message with only `text` shows it as one text part; parts of unknown types are skipped.',
      resolve: (message) => {
        const parts = parseContent(message.content);
        const hasContent = Array.isArray(message.content) && message.content.length > 0;
        return !hasContent && message.text != null ? [{ kind: 'TextContent' as const, text: message.text, signature: null }] : parts;
      },
    }),
    agentId: t.exposeString('agentId', { description: 'The unique identifier of the agent.' }),
    model: t.exposeString('model', { nullable: true, description: 'The model used to make the function call.' }),
    name: t.exposeString('name', {
      nullable: true,
      description: 'For role user/assistant: the (optional) name of the participant. For role tool/function: the name of the function called.',
    }),
    toolCalls: t.field({
      type: [ToolCallType],
      nullable: true,
      description: 'The list of tool calls requested. Only applicable for role assistant. Null when there are none.',
      resolve: (message) => {
        const calls = listOf(message.toolCalls, parseToolCall);
        return calls === null || calls.length === 0 ? null : calls;
      },
    }),
    toolCallId: t.exposeString('toolCallId', { nullable: true, description: 'The ID of the tool call. Only applicable for role tool.' }),
    toolReturns: t.field({
      type: [ToolReturnType],
      nullable: true,
      description: 'Tool execution return information for prior tool calls.',
      resolve: (message) => listOf(message.toolReturns, parseToolReturn),
    }),
    approvals: t.field({
      type: [MessageApprovalUnion],
      nullable: true,
      description: 'The list of approvals for this message.',
      resolve: (message) => listOf(message.approvals, parseApproval),
    }),
    approve: t.exposeBoolean('approve', { nullable: true, description: 'Whether tool call is approved.' }),
    approvalRequestId: t.exposeString('approvalRequestId', {
      nullable: true,
      description: 'The id of the approval request if this message is associated with a tool call request.',
    }),
    denialReason: t.exposeString('denialReason', { nullable: true, description: 'The reason the tool call request was denied.' }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The id of the step that this message was created in.' }),
    runId: t.exposeString('runId', { nullable: true, description: 'The id of the run that this message was created in.' }),
    otid: t.exposeString('otid', { nullable: true, description: 'The offline threading id associated with this message.' }),
    groupId: t.exposeString('groupId', { nullable: true, description: 'The multi-agent group that the message was sent in.' }),
    senderId: t.exposeString('senderId', {
      nullable: true,
      description: 'The id of the sender of the message, can be an identity id or agent id.',
    }),
    batchItemId: t.exposeString('batchItemId', {
      nullable: true,
      description: 'The id of the LLMBatchItem that this message is associated with.',
    }),
    conversationId: t.exposeString('conversationId', { nullable: true, description: 'The conversation this message belongs to.' }),
    isErr: t.exposeBoolean('isErr', {
      nullable: true,
      description: 'Whether this message is part of an error step. Used only for debugging purposes.',
    }),
    createdById: t.exposeString('createdById', { nullable: true, description: 'The id of the user that made this object.' }),
    lastUpdatedById: t.exposeString('lastUpdatedById', {
      nullable: true,
      description: 'The id of the user that last updated this object.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'The timestamp when the object was created.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The timestamp when the object was last updated.',
    }),
    step: t.field({
      type: StepType,
      nullable: true,
      description: 'The step that this message was created in. Null when the message belongs to no step.',
      resolve: (message, _args, ctx, info) => (message.stepId === null ? null : ctx.loaders.stepById.load(message.stepId, fieldsSelected(info, 'Step'))),
    }),
  }),
});

const MessageConnectionType = defineConnection('Message', MessageType, 'message');

builder.objectField(StepType, 'messages', (t) =>
  t.field({
    type: MessageConnectionType,
    description: 'The messages generated during this step, oldest first (created at, then id), as Letta orders them.',
    complexity: pageCost(PAGE),
    args: connectionArgs('messages', PAGE.size, PAGE.max),
    resolve: async (step, args, ctx, info) => {
      const list = `messages:${step.id}`;
      const page = pageRequest(args, PAGE, ctx.cursors, list);
      const rows = readsPage(info, 'MessageConnection')
        ? await ctx.loaders.messagesByStepId(page, fieldsSelected(info, 'Message', CONNECTION_ITEMS)).load(step.id)
        : [];
      return {
        ...toPage(rows, page, ctx.cursors, list),
        totalCount: lazyCount(async () => ({ count: await ctx.loaders.messageCountByStepId.load(step.id), exact: true })),
      };
    },
  }),
);
