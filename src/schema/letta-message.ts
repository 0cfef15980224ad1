import type { Message } from '../../prisma/generated/client/client.ts';
import type { Cursors } from '../cursors.ts';
import type { Stored } from '../db/columns.ts';
import type { Position } from '../db/keyset.ts';
import { badUserInput, expectedError } from '../errors.ts';
import type { ImagePart, TextPart } from '../letta/content.ts';
import { isId } from '../letta/ids.ts';
import {
  CONVERSION_FAILURES,
  toLettaMessages,
  type CompactionStats,
  type ConversionFailure,
  type ConvertedRow,
  type LettaMessage,
  type LettaMessageKind,
  type LettaToolCall,
  type LettaToolReturn,
} from '../letta/letta-messages.ts';
import { LETTA_VIEW_MAX_ROWS } from '../loaders/letta-messages-by-step-id.ts';
import { builder } from './builder.ts';
import { ImageContentType, TextContentType } from './content.ts';
import { connectionArgs, defineConnection, pageCost, type Connection } from './connection.ts';
import {
  EventMessageTypeEnum,
  HiddenReasoningStateEnum,
  LettaMessageTypeEnum,
  ReasoningMessageSourceEnum,
  ToolReturnStatusEnum,
} from './enums.ts';
import { MessageType } from './message.ts';
import { pageRequest, type ConnectionArgs, type PageRow } from './pages.ts';
import { StepType } from './step.ts';
import { ApprovalReturnType, ToolResponsePartUnion } from './tool-calls.ts';

/**
 * Letta's own view of a step's messages: the LettaMessage union that `GET /v1/steps/{step_id}/messages`
 * returns, converted from the rows by letta/letta-messages.ts. Types named like today's (`ToolCall`,
 * `ToolReturn`) are prefixed `Letta`; same-named fields of the members have one type, so that a selection
 * across the union merges.
 */

const PAGE = { size: 50, max: 500 };
/** The cost of reading a step's message rows whole (a count's, as a whole list is read). */
const STEP_READ_COST = 10;

type Of<Kind extends LettaMessageKind> = Extract<LettaMessage, { kind: Kind }>;

const LettaToolCallType = builder.objectRef<LettaToolCall>('LettaToolCall').implement({
  description: "A tool call as Letta's messages show it (Letta's `ToolCall`).",
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name of the tool.' }),
    arguments: t.exposeString('arguments', { description: 'The arguments, as the JSON text the model produced.' }),
    toolCallId: t.exposeString('toolCallId', { description: 'The id of the tool call.' }),
  }),
});

const LettaToolReturnType = builder.objectRef<LettaToolReturn>('LettaToolReturn').implement({
  description:
    "A tool return as Letta's messages show it (Letta's `ToolReturn`). The tool return value is either a string (`toolReturn`) or a list of content parts (`toolReturnParts`); the other is null.",
  fields: (t) => ({
    toolReturn: t.string({
      nullable: true,
      description: 'The tool return value, when it is a string.',
      resolve: (record) => (typeof record.toolReturn === 'string' ? record.toolReturn : null),
    }),
    toolReturnParts: t.field({
      type: [ToolResponsePartUnion],
      nullable: true,
      description: 'The tool return value, when it is a list of content parts (text/image).',
      resolve: (record) => (typeof record.toolReturn === 'string' ? null : record.toolReturn),
    }),
    status: t.field({ type: ToolReturnStatusEnum, description: 'The status of the tool call.', resolve: (record) => record.status }),
    // Nullable only so that it merges with ApprovalReturn.toolCallId in one selection over LettaApproval.
    toolCallId: t.exposeString('toolCallId', { nullable: true, description: 'The id of the tool call. Always present.' }),
    stdout: t.exposeStringList('stdout', { nullable: true, description: 'Captured stdout (e.g. prints, logs) from the tool invocation.' }),
    stderr: t.exposeStringList('stderr', { nullable: true, description: 'Captured stderr from the tool invocation.' }),
  }),
});

const LettaApprovalUnion = builder.unionType('LettaApproval', {
  description: 'An approval response: a decision on a tool call, or the return of an approved tool.',
  types: [ApprovalReturnType, LettaToolReturnType],
  resolveType: (record) => record.kind,
});

const LettaMessageContentPartUnion = builder.unionType('LettaMessageContentPart', {
  description: 'A part of a user or assistant message: text, or (for a user message) an image.',
  types: [TextContentType, ImageContentType],
  resolveType: (part) => part.kind,
});

const CompactionStatsType = builder.objectRef<CompactionStats>('CompactionStats').implement({
  description: 'Statistics about a memory compaction operation.',
  fields: (t) => ({
    trigger: t.exposeString('trigger', { description: 'What triggered the compaction.' }),
    contextTokensBefore: t.exposeInt('contextTokensBefore', { nullable: true, description: 'Tokens in the context before the compaction.' }),
    contextTokensAfter: t.exposeInt('contextTokensAfter', { nullable: true, description: 'Tokens in the context after the compaction.' }),
    contextWindow: t.exposeInt('contextWindow', { description: 'The size of the context window.' }),
    messagesCountBefore: t.exposeInt('messagesCountBefore', { description: 'Messages in the context before the compaction.' }),
    messagesCountAfter: t.exposeInt('messagesCountAfter', { description: 'Messages in the context after the compaction.' }),
  }),
});

export const LettaMessageBaseInterface = builder.interfaceRef<LettaMessage>('LettaMessageBase').implement({
  description:
    'What every LettaMessage has. Several LettaMessages can come from one message row and share its `id`: `id` and `index` together identify one (the key a normalized cache should use).',
  resolveType: (item) => item.kind,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The ID of the message (`message-<uuid>`): the message row this comes from.' }),
    index: t.exposeInt('index', {
      description: 'The position of this LettaMessage among those of its message row, from 0 in list order. With `id`, what identifies it.',
    }),
    date: t.field({ type: 'DateTime', description: 'The date the message was created.', resolve: (item) => item.date }),
    name: t.exposeString('name', { nullable: true, description: 'The name of the sender of the message.' }),
    messageType: t.field({ type: LettaMessageTypeEnum, description: 'The type of the message.', resolve: (item) => item.messageType }),
    otid: t.exposeString('otid', {
      nullable: true,
      description:
        'The offline threading id (OTID). Set by the client to deduplicate requests. Used for idempotency in background streaming mode — each message in a request must have a unique OTID. Retries of the same request should reuse the same OTIDs.',
    }),
    senderId: t.exposeString('senderId', { nullable: true, description: 'The id of the sender of the message, can be an identity id or agent id.' }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'The step id associated with the message.' }),
    isErr: t.field({
      type: 'Boolean',
      nullable: true,
      description: 'Whether the message is an errored message. Used for debugging purposes only: true, or else null.',
      resolve: (item) => item.isErr,
    }),
    seqId: t.int({ nullable: true, description: 'The sequence id of the message. Not set in this list (always null).', resolve: () => null }),
    runId: t.exposeString('runId', { nullable: true, description: 'The id of the run that this message was created in.' }),
  }),
});

const TOOL_CALL_DEPRECATED = 'Deprecated by Letta: use `toolCalls`.';
const TOOL_RETURN_DEPRECATED = 'Deprecated by Letta: use `toolReturns`.';

/** A member of the union: an object type implementing LettaMessageBase. */
function member<Kind extends LettaMessageKind>(kind: Kind, description: string, fields: Parameters<ReturnType<typeof builder.objectRef<Of<Kind>>>['implement']>[0]['fields']) {
  return builder.objectRef<Of<Kind>>(kind).implement({ description, interfaces: [LettaMessageBaseInterface], isTypeOf: (item) => (item as LettaMessage).kind === kind, fields });
}

/** A string or a list of parts, as two fields: `content` for a string, `contentParts` for a list. */
const textOf = (content: string | unknown[]) => (typeof content === 'string' ? content : null);
const partsOf = <Part>(content: string | Part[]) => (typeof content === 'string' ? null : content);

const members = [
  member('SystemMessage', 'A message generated by the system. Never streamed back on a response, only used for cursor pagination.', (t) => ({
    // Nullable only so that it merges with the other members' `content` in one selection.
    content: t.exposeString('content', { nullable: true, description: 'The message content sent by the system. Always present.' }),
  })),
  member('UserMessage', 'A message sent by the user. Never streamed back on a response, only used for cursor pagination.', (t) => ({
    content: t.string({ nullable: true, description: 'The message content sent by the user, when it is a string (else null: see `contentParts`).', resolve: (item) => textOf(item.content) }),
    contentParts: t.field({
      type: [LettaMessageContentPartUnion],
      nullable: true,
      description: 'The message content sent by the user, when it is an array of multi-modal content parts (else null: see `content`).',
      resolve: (item) => partsOf<TextPart | ImagePart>(item.content),
    }),
  })),
  member('ReasoningMessage', "Representation of an agent's internal reasoning.", (t) => ({
    source: t.field({
      type: ReasoningMessageSourceEnum,
      description: 'Whether the reasoning content was generated natively by a reasoner model or derived via prompting.',
      resolve: (item) => item.source,
    }),
    reasoning: t.exposeString('reasoning', { description: 'The internal reasoning of the agent.' }),
    signature: t.exposeString('signature', { nullable: true, description: 'The model-generated signature of the reasoning step.' }),
  })),
  member('HiddenReasoningMessage', "Representation of an agent's internal reasoning where reasoning content has been hidden from the response.", (t) => ({
    state: t.field({
      type: HiddenReasoningStateEnum,
      description: 'Whether the reasoning content was redacted by the provider or simply omitted by the API.',
      resolve: (item) => item.state,
    }),
    hiddenReasoning: t.exposeString('hiddenReasoning', { nullable: true, description: 'The internal reasoning of the agent.' }),
  })),
  member('ToolCallMessage', 'A message representing a request to call a tool (generated by the LLM to trigger tool execution).', (t) => ({
    toolCall: t.field({ type: LettaToolCallType, description: 'The tool call (the first of `toolCalls`).', deprecationReason: TOOL_CALL_DEPRECATED, resolve: (item) => item.toolCall }),
    toolCalls: t.field({ type: [LettaToolCallType], nullable: true, description: 'The tool calls.', resolve: (item) => item.toolCalls }),
  })),
  member('ToolReturnMessage', 'A message representing the return value of a tool call (generated by Letta executing the requested tool).', (t) => ({
    toolReturn: t.exposeString('toolReturn', { description: 'The return value of the tool (of the first return, as text).', deprecationReason: TOOL_RETURN_DEPRECATED }),
    status: t.field({ type: ToolReturnStatusEnum, description: 'The status of the tool call.', deprecationReason: TOOL_RETURN_DEPRECATED, resolve: (item) => item.status }),
    toolCallId: t.exposeString('toolCallId', {
      description: 'A unique identifier for the tool call that generated this message.',
      deprecationReason: TOOL_RETURN_DEPRECATED,
    }),
    stdout: t.exposeStringList('stdout', { nullable: true, description: 'Captured stdout (e.g. prints, logs) from the tool invocation.', deprecationReason: TOOL_RETURN_DEPRECATED }),
    stderr: t.exposeStringList('stderr', { nullable: true, description: 'Captured stderr from the tool invocation.', deprecationReason: TOOL_RETURN_DEPRECATED }),
    toolReturns: t.field({ type: [LettaToolReturnType], nullable: true, description: 'List of tool returns for multi-tool support.', resolve: (item) => item.toolReturns }),
  })),
  member('AssistantMessage', 'A message sent by the LLM in response to user input. Used in the LLM context.', (t) => ({
    content: t.string({ nullable: true, description: 'The message content sent by the agent, when it is a string (else null: see `contentParts`).', resolve: (item) => textOf(item.content) }),
    contentParts: t.field({
      // The type of UserMessage.contentParts, so that the two merge in one selection; here always text.
      type: [LettaMessageContentPartUnion],
      nullable: true,
      description: 'The message content sent by the agent, when it is an array of text content parts (else null: see `content`).',
      resolve: (item) => partsOf<TextPart>(item.content),
    }),
  })),
  member('ApprovalRequestMessage', 'A message representing a request for approval to call a tool (generated by the LLM to trigger tool execution).', (t) => ({
    toolCall: t.field({
      type: LettaToolCallType,
      description: 'The tool call that has been requested by the llm to run.',
      deprecationReason: TOOL_CALL_DEPRECATED,
      resolve: (item) => item.toolCall,
    }),
    toolCalls: t.field({
      type: [LettaToolCallType],
      nullable: true,
      description: 'The tool calls that have been requested by the llm to run, which are pending approval.',
      resolve: (item) => item.toolCalls,
    }),
  })),
  member('ApprovalResponseMessage', 'A message representing a response from the user indicating whether a tool has been approved to run.', (t) => ({
    approvals: t.field({ type: [LettaApprovalUnion], nullable: true, description: 'The list of approval responses.', resolve: (item) => item.approvals }),
    approve: t.exposeBoolean('approve', { nullable: true, description: 'Whether the tool has been approved.', deprecationReason: 'Deprecated by Letta: use `approvals`.' }),
    approvalRequestId: t.exposeString('approvalRequestId', {
      nullable: true,
      description: 'The message ID of the approval request.',
      deprecationReason: 'Deprecated by Letta: use `approvals`.',
    }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'An optional explanation for the provided approval status.',
      deprecationReason: 'Deprecated by Letta: use `approvals`.',
    }),
  })),
  member('SummaryMessage', 'A summary of earlier messages, written when the context was compacted. This list shows summaries as user messages, as Letta does.', (t) => ({
    summary: t.exposeString('summary', { description: 'The summary.' }),
    compactionStats: t.field({ type: CompactionStatsType, nullable: true, description: 'Statistics about a memory compaction operation.', resolve: (item) => item.compactionStats }),
  })),
  member('EventMessage', 'An event of the agent. Not made from stored messages: never in this list.', (t) => ({
    eventType: t.field({ type: EventMessageTypeEnum, description: 'The type of the event.', resolve: (item) => item.eventType }),
    eventData: t.field({ type: 'JSON', description: 'The data of the event.', resolve: (item) => item.eventData }),
  })),
];

export const LettaMessageUnion = builder.unionType('LettaMessage', {
  description:
    "A message as Letta's API lists a step's messages (`GET /v1/steps/{step_id}/messages`): one of its message types. Select the fields every member has with a fragment on `LettaMessageBase`.",
  types: members,
  resolveType: (item) => item.kind,
});

const LettaConversionFailureEnum = builder.enumType('LettaConversionFailure', {
  description: "Why Letta's server cannot show a message row as LettaMessages.",
  values: Object.fromEntries(Object.entries(CONVERSION_FAILURES).map(([name, description]) => [name, { value: name, description }])) as {
    [Name in keyof typeof CONVERSION_FAILURES]: { value: Name; description: string };
  },
});

const LettaMessageSkipType = builder.objectRef<ConversionFailure>('LettaMessageSkip').implement({
  description:
    "A message row of the step left out of its LettaMessages: one that Letta's own server cannot convert (its endpoint fails the whole list on it). The others are listed as usual.",
  fields: (t) => ({
    messageId: t.exposeID('messageId', { description: 'The id of the message row.' }),
    role: t.exposeString('role', { description: 'The role the row has, as stored.' }),
    reason: t.field({ type: LettaConversionFailureEnum, description: 'Why it is left out.', resolve: (failure) => failure.reason }),
  }),
});

type Item = PageRow<LettaMessage>;
type LettaMessagePage = Connection<LettaMessage> & { skipped: ConversionFailure[] };

const LettaMessageConnectionType = defineConnection('LettaMessage', LettaMessageUnion as never, 'LettaMessage');

builder.objectField(LettaMessageConnectionType, 'skipped', (t) =>
  t.field({
    type: [LettaMessageSkipType],
    description: "The step's message rows that Letta's server cannot convert, left out of the list (empty when there are none).",
    resolve: (page) => (page as LettaMessagePage).skipped,
  }),
);

const tooMany = () =>
  expectedError('TOO_MANY_MESSAGES', `The step has more than ${LETTA_VIEW_MAX_ROWS} message rows, more than Letta's view converts at once: read them with \`messages\`.`);

/** Where a cursor or a message id puts a boundary: a row of the list, and a place among its items. */
interface Boundary {
  row: number;
  /** -1: before the row's items; Infinity: after them. */
  index: number;
}

function boundaryOf(rows: ConvertedRow<Stored<Message>>[], value: string, argument: 'after' | 'before', cursors: Cursors, list: string): Boundary {
  let position: Position;
  if (isId('Message', value)) {
    const row = rows.find((converted) => converted.row.id === value)?.row;
    if (row === undefined) throw badUserInput(`"${argument}" is neither a cursor of this list nor the id of a message of this step.`, argument);
    position = { createdAt: row.createdAt, id: row.id };
  } else {
    position = cursors.decode(value, list, argument);
  }
  const whole = argument === 'after' ? Infinity : -1;
  const found = rows.findIndex((converted) => converted.row.id === position.id);
  if (found >= 0) return { row: found, index: position.index ?? whole };
  // Its row is gone: the boundary falls before the first row after its position.
  const later = rows.findIndex(({ row }) => compareRows(row, position) > 0);
  return { row: later < 0 ? rows.length : later, index: -1 };
}

function compareRows(row: { createdAt: string | null; id: string }, position: Position): number {
  if (row.createdAt !== position.createdAt) {
    if (row.createdAt === null) return -1;
    if (position.createdAt === null) return 1;
    return row.createdAt < position.createdAt ? -1 : 1;
  }
  return row.id < position.id ? -1 : row.id > position.id ? 1 : 0;
}

const before = (a: Boundary, b: Boundary) => a.row < b.row || (a.row === b.row && a.index < b.index);

/** A page of the step's LettaMessages, counted in LettaMessages; cursors name an item (a row and its place in it). */
function lettaMessagePage(rows: ConvertedRow<Stored<Message>>[], args: ConnectionArgs, cursors: Cursors, list: string): LettaMessagePage {
  // Sizes are checked as every list checks them; the cursors, which may be message ids, are read below.
  const { limit } = pageRequest({ first: args.first, last: args.last }, PAGE, cursors, list);
  const backward = args.last != null || (args.first == null && args.before != null && args.after == null);
  const all = rows.flatMap((converted, row) => converted.items.map((item) => ({ item, at: { row, index: item.index } })));
  const after = args.after != null ? boundaryOf(rows, args.after, 'after', cursors, list) : undefined;
  const until = args.before != null ? boundaryOf(rows, args.before, 'before', cursors, list) : undefined;
  const start = after === undefined ? 0 : all.findIndex(({ at }) => before(after, at));
  const from = start < 0 ? all.length : start;
  const end = until === undefined ? all.length : all.findIndex(({ at }) => !before(at, until));
  const to = Math.max(from, end < 0 ? all.length : end);
  const [first, last] = backward ? [Math.max(from, to - limit), to] : [from, Math.min(to, from + limit)];
  const nodes = all.slice(first, last).map(({ item }) => item as Item);
  const cursorOf = (node: PageRow<{ id: string }>) => {
    const item = node as Item;
    return cursors.encode(list, { createdAt: item.date, id: item.id, index: item.index });
  };
  return {
    nodes,
    cursorOf,
    pageInfo: {
      hasNextPage: last < all.length,
      hasPreviousPage: first > 0,
      startCursor: () => (nodes[0] === undefined ? null : cursorOf(nodes[0])),
      endCursor: () => (nodes.at(-1) === undefined ? null : cursorOf(nodes.at(-1)!)),
    },
    totalCount: async () => ({ count: all.length, exact: true }),
    skipped: rows.flatMap((converted) => (converted.failure === null ? [] : [converted.failure])),
  };
}

builder.objectField(StepType, 'lettaMessages', (t) =>
  t.field({
    type: LettaMessageConnectionType,
    description:
      "The step's messages as Letta's API lists them (`GET /v1/steps/{step_id}/messages`): each message row converted to LettaMessages by Letta's rules, oldest row first, each row's LettaMessages in Letta's order. `first` and `last` count LettaMessages. `after` and `before` also take the id of a message of this step, as Letta's cursors do: the list resumes after (or ends before) that message's LettaMessages. Rows that Letta's server cannot convert are left out and listed in `skipped`.",
    // Its items as any page's, and the whole step's rows read and converted, once per step.
    complexity: (args) => ({ ...pageCost(PAGE)(args), field: STEP_READ_COST }),
    args: connectionArgs('LettaMessages', PAGE.size, PAGE.max, 'or the id of a message of this step (`message-<uuid>`): its LettaMessages are passed'),
    resolve: async (step, args, ctx) => {
      const { rows, tooMany: over } = await ctx.loaders.lettaMessagesByStepId.load(step.id);
      if (over) throw tooMany();
      return lettaMessagePage(rows, args, ctx.cursors, `letta-messages:${step.id}`) as never;
    },
  }),
);

builder.objectField(MessageType, 'lettaMessages', (t) =>
  t.field({
    type: [LettaMessageUnion],
    nullable: true,
    complexity: STEP_READ_COST,
    description:
      "This message as Letta's API lists it: the LettaMessages Letta makes of the row, in Letta's order. Empty for the return of a `send_message` call, which Letta shows as the call's assistant message. Null, with an UNCONVERTIBLE_MESSAGE error, for a row that Letta's server cannot convert.",
    resolve: async (message, _args, ctx) => {
      let converted: ConvertedRow<Stored<Message>> | undefined;
      if (message.stepId === null) {
        converted = toLettaMessages([message])[0];
      } else {
        const step = await ctx.loaders.lettaMessagesByStepId.load(message.stepId);
        if (step.tooMany) throw tooMany();
        converted = step.rows.find((row) => row.row.id === message.id);
      }
      // A row no longer visible since it was read shows nothing.
      if (converted === undefined) return [];
      if (converted.failure !== null) {
        throw expectedError('UNCONVERTIBLE_MESSAGE', `Letta's server cannot show this message: ${CONVERSION_FAILURES[converted.failure.reason]}`, {
          reason: converted.failure.reason,
          messageId: message.id,
        });
      }
      return converted.items as never;
    },
  }),
);
