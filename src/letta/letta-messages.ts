import {
  listOf,
  parseApproval,
  parseContent,
  parseToolCall,
  parseToolReturn,
  type ApprovalRecord,
  type ContentPart,
  type ImagePart,
  type TextPart,
  type ToolCallRecord,
  type ToolReturnRecord,
} from './content.ts';
import type { ToolReturnStatus } from './enums.ts';
import { pythonJsonDumps, pythonStr } from './python.ts';

/**
 * Message rows as Letta's `GET /v1/steps/{step_id}/messages` shows them: the LettaMessage list
 * (`Message.to_letta_messages_from_list` with the endpoint's defaults: assistant messages from `send_message`,
 * each row's items reversed, summaries shown as user messages). A pure function of the rows, rule for rule
 * as Letta's server applies them; where Letta's server fails the whole request on a row, that row is set
 * aside with the reason (`ConversionFailure`) and the others are still shown.
 */

/** The columns of a message row the conversion reads. */
export interface MessageRow {
  id: string;
  role: string;
  text: string | null;
  content: unknown;
  name: string | null;
  toolCallId: string | null;
  otid: string | null;
  senderId: string | null;
  stepId: string | null;
  runId: string | null;
  isErr: boolean | null;
  toolCalls: unknown;
  toolReturns: unknown;
  approvals: unknown;
  approve: boolean | null;
  approvalRequestId: string | null;
  denialReason: string | null;
  /** UTC with microseconds, as rows carry times (db/columns.ts). */
  createdAt: string | null;
}

/** The tool the agent answers through, and its argument: its calls are shown as assistant messages. */
const ASSISTANT_MESSAGE_TOOL = 'send_message';
const ASSISTANT_MESSAGE_KWARG = 'message';

/** Letta's `ToolCall`: one call as a tool call message shows it. */
export interface LettaToolCall {
  name: string;
  arguments: string;
  toolCallId: string;
}

/** Letta's `ToolReturn`: a tool's return as a tool return (or approval response) message shows it. */
export interface LettaToolReturn {
  kind: 'LettaToolReturn';
  /** The tool return value: a string, or text and image parts. */
  toolReturn: string | (TextPart | ImagePart)[];
  status: ToolReturnStatus;
  toolCallId: string;
  stdout: string[] | null;
  stderr: string[] | null;
}

/** Statistics about a memory compaction operation. */
export interface CompactionStats {
  trigger: string;
  contextTokensBefore: number | null;
  contextTokensAfter: number | null;
  contextWindow: number;
  messagesCountBefore: number;
  messagesCountAfter: number;
}

/** What every LettaMessage has. */
interface Common {
  /** The id of the message row it comes from: several LettaMessages can share one. */
  id: string;
  /** Its position among the LettaMessages of its row, from 0 in list order: with `id`, what identifies it. */
  index: number;
  /** Its row's created_at (UTC, microseconds). */
  date: string;
  name: string | null;
  otid: string | null;
  senderId: string | null;
  stepId: string | null;
  /** Letta shows `is_err` only when true. */
  isErr: true | null;
  runId: string | null;
}

export type LettaMessage = Common &
  (
    | { kind: 'SystemMessage'; messageType: 'system_message'; content: string }
    | { kind: 'UserMessage'; messageType: 'user_message'; content: string | (TextPart | ImagePart)[] }
    | {
        kind: 'ReasoningMessage';
        messageType: 'reasoning_message';
        source: 'reasoner_model' | 'non_reasoner_model';
        reasoning: string;
        signature: string | null;
      }
    | { kind: 'HiddenReasoningMessage'; messageType: 'hidden_reasoning_message'; state: 'redacted' | 'omitted'; hiddenReasoning: string | null }
    | { kind: 'ToolCallMessage'; messageType: 'tool_call_message'; toolCall: LettaToolCall; toolCalls: LettaToolCall[] }
    | {
        kind: 'ToolReturnMessage';
        messageType: 'tool_return_message';
        toolReturn: string;
        status: ToolReturnStatus;
        toolCallId: string;
        stdout: string[] | null;
        stderr: string[] | null;
        toolReturns: LettaToolReturn[];
      }
    | { kind: 'AssistantMessage'; messageType: 'assistant_message'; content: string | TextPart[] }
    // The two below are members of Letta's union that its conversion of stored rows never produces.
    | { kind: 'SummaryMessage'; messageType: 'summary_message'; summary: string; compactionStats: CompactionStats | null }
    | { kind: 'EventMessage'; messageType: 'event_message'; eventType: 'compaction'; eventData: Record<string, unknown> }
    | { kind: 'ApprovalRequestMessage'; messageType: 'approval_request_message'; toolCall: LettaToolCall; toolCalls: LettaToolCall[] }
    | {
        kind: 'ApprovalResponseMessage';
        messageType: 'approval_response_message';
        approvals: (ApprovalRecord | LettaToolReturn)[] | null;
        approve: boolean | null;
        approvalRequestId: string | null;
        reason: string | null;
      }
  );

export type LettaMessageKind = LettaMessage['kind'];

/** Why Letta's server cannot show a row (its endpoint answers the whole request with an error). */
export const CONVERSION_FAILURES = {
  UNSUPPORTED_ROLE: 'The row has a role Letta does not show (`function`, or one it does not know).',
  NO_TEXT: 'A user, system or summary row without the text it needs (system and summary rows need exactly one text part).',
  UNSUPPORTED_CONTENT: 'A user row whose parts are not all text and images.',
  NO_TOOL_RETURN: 'A tool row with neither tool returns nor a single text part to read one from.',
  MALFORMED_TOOL_RETURN: 'A tool response that is not a JSON object (`{"status": ..., "message": ...}`), or that says nothing.',
  INVALID_TOOL_STATUS: 'A tool response whose `status` is neither "OK" nor "Failed".',
  MALFORMED_ASSISTANT_MESSAGE: 'A `send_message` call whose arguments are not a JSON object.',
  MALFORMED_USER_MESSAGE: 'A packed user message whose `message` is not text.',
  MALFORMED_APPROVAL: 'An approval response with neither approvals nor a decision and the call it decides.',
  MALFORMED_ID: 'A row id that is not `message-<uuid>`, from which Letta derives the otids of the row’s items.',
  TOO_MANY_ITEMS: 'A row that would yield more than 128 items, past what Letta’s otids can number.',
  NO_DATE: 'A row without `created_at`: every LettaMessage has a date.',
  NO_TOOL_CALL_ID: 'A tool return that names no tool call.',
} as const;

export type ConversionFailureReason = keyof typeof CONVERSION_FAILURES;

export interface ConversionFailure {
  messageId: string;
  role: string;
  reason: ConversionFailureReason;
}

class Unconvertible extends Error {
  constructor(readonly reason: ConversionFailureReason) {
    super(CONVERSION_FAILURES[reason]);
  }
}

/** The items of each row, in the list's order; a row Letta's server would fail on is a failure instead. */
export interface ConvertedRow<Row extends MessageRow = MessageRow> {
  row: Row;
  /** Empty for a `send_message` return (shown as the call's assistant message) and for a row with nothing to show. */
  items: LettaMessage[];
  failure: ConversionFailure | null;
}

/** A row as Letta's server reads it: legacy text as a text part, no calls as none, parts it knows. */
interface ReadRow {
  row: MessageRow;
  content: ContentPart[];
  toolCalls: ToolCallRecord[] | null;
  toolReturns: ToolReturnRecord[];
}

function read(row: MessageRow): ReadRow {
  let content = parseContent(row.content);
  if (row.text && content.length === 0) content = [{ kind: 'TextContent', text: row.text, signature: null }];
  const calls = listOf(row.toolCalls, parseToolCall);
  const toolReturns = listOf(row.toolReturns, parseToolReturn) ?? [];
  return { row, content, toolCalls: calls === null || calls.length === 0 ? null : calls, toolReturns };
}

/** The LettaMessages of a step's rows (oldest first), as Letta's endpoint lists them. */
export function toLettaMessages<Row extends MessageRow>(rows: readonly Row[]): ConvertedRow<Row>[] {
  const readRows = rows.map(read);
  const hidden = sendMessageReturns(readRows);
  return rows.map((row, i) => {
    if (hidden.has(i)) return { row, items: [], failure: null };
    try {
      const items = convertRow(readRows[i]!).reverse();
      items.forEach((item, index) => (item.index = index));
      return { row, items, failure: null };
    } catch (error) {
      if (!(error instanceof Unconvertible)) throw error;
      return { row, items: [], failure: { messageId: row.id, role: row.role, reason: error.reason } };
    }
  });
}

/**
 * The tool rows to leave out: the returns of calls made by an assistant row that calls `send_message` (any of
 * its calls), whose answer is already its assistant message. By call id, the last assistant row with the id wins.
 */
function sendMessageReturns(rows: ReadRow[]): Set<number> {
  const callers = new Map<string, ToolCallRecord[]>();
  for (const { row, toolCalls } of rows) {
    if (row.role === 'assistant' && toolCalls !== null) for (const call of toolCalls) callers.set(call.id, toolCalls);
  }
  const hidden = new Set<number>();
  rows.forEach(({ row }, i) => {
    const calls = row.role === 'tool' && row.toolCallId !== null ? callers.get(row.toolCallId) : undefined;
    if (calls?.some((call) => call.function.name === ASSISTANT_MESSAGE_TOOL)) hidden.add(i);
  });
  return hidden;
}

type Fields = Pick<Common, 'name' | 'senderId' | 'stepId' | 'isErr' | 'runId' | 'otid'>;
/** What a kind of LettaMessage has besides the common fields. */
type Body<M = LettaMessage> = M extends LettaMessage ? Omit<M, keyof Common> : never;
type Build = (fields: Partial<Fields>, body: Body) => LettaMessage;

/** The items of one row in Letta's generation order (before the reversal). */
function convertRow(read: ReadRow): LettaMessage[] {
  const { row, content, toolCalls } = read;
  if (row.createdAt === null) throw new Unconvertible('NO_DATE');
  const base: Pick<Common, 'id' | 'index' | 'date'> = { id: row.id, index: 0, date: row.createdAt };
  const nulls: Fields = { name: null, senderId: null, stepId: null, isErr: null, runId: null, otid: null };
  const build: Build = (fields, body) => ({ ...base, ...nulls, ...fields, ...body }) as never;
  /** What most items carry of their row; each kind below says what it leaves out, as Letta's constructors do. */
  const all: Fields = { name: row.name, senderId: row.senderId, stepId: row.stepId, isErr: row.isErr === true ? true : null, runId: row.runId, otid: row.otid };

  switch (row.role) {
    case 'assistant': {
      const items = content.length > 0 ? reasoningItems(read, all, build) : [];
      if (toolCalls !== null) items.push(...toolCallItems(read, items.length, all, build));
      return items;
    }
    case 'tool':
      return [toolReturnItem(read, all, build)];
    case 'user': {
      const only = content[0];
      let value: string | (TextPart | ImagePart)[];
      if (content.length === 1 && only?.kind === 'TextContent') value = unpackMessage(only.text);
      else if (content.length > 0) {
        if (!content.every((part) => part.kind === 'TextContent' || part.kind === 'ImageContent')) throw new Unconvertible('UNSUPPORTED_CONTENT');
        value = content as (TextPart | ImagePart)[];
      } else throw new Unconvertible('NO_TEXT');
      return [build({ ...all }, { kind: 'UserMessage', messageType: 'user_message', content: value })];
    }
    case 'system':
      return [build({ ...all, isErr: null }, { kind: 'SystemMessage', messageType: 'system_message', content: singleText(content) })];
    case 'summary':
      // Shown as the user message Letta's clients knew before summary messages.
      return [build({ ...all }, { kind: 'UserMessage', messageType: 'user_message', content: unpackMessage(singleText(content)) })];
    case 'approval': {
      const items = content.length > 0 ? reasoningItems(read, all, build) : [];
      if (toolCalls !== null) {
        const calls = toolCalls.map(lettaToolCall);
        items.push(build({ ...all, isErr: null }, { kind: 'ApprovalRequestMessage', messageType: 'approval_request_message', toolCall: calls[0]!, toolCalls: calls }));
      } else {
        items.push(build({ otid: row.otid, runId: row.runId }, approvalResponse(row)));
      }
      return items;
    }
    default:
      throw new Unconvertible('UNSUPPORTED_ROLE');
  }
}

function singleText(content: ContentPart[]): string {
  const only = content[0];
  if (content.length !== 1 || only?.kind !== 'TextContent') throw new Unconvertible('NO_TEXT');
  return only.text;
}

/** The row's content parts as reasoning items: text and reasoning as reasoning, redacted and omitted as hidden. */
function reasoningItems(read: ReadRow, all: Fields, build: Build): LettaMessage[] {
  const { row, content } = read;
  const items: LettaMessage[] = [];
  for (const part of content) {
    const otid = otidOf(row.id, items.length);
    const last = items.at(-1);
    switch (part.kind) {
      case 'TextContent':
        items.push(build({ ...all, otid }, { kind: 'ReasoningMessage', messageType: 'reasoning_message', source: 'non_reasoner_model', reasoning: part.text, signature: null }));
        break;
      case 'ReasoningContent':
        // Native reasoning continues the reasoning item before it, if there is one.
        if (last?.kind === 'ReasoningMessage') last.reasoning += part.reasoning;
        else {
          items.push(build({ ...all, senderId: null, otid }, { kind: 'ReasoningMessage', messageType: 'reasoning_message', source: 'reasoner_model', reasoning: part.reasoning, signature: part.signature }));
        }
        break;
      case 'SummarizedReasoningContent': {
        const texts = part.summary.map((summary) => summary.text).filter((text) => text !== '');
        if (texts.length > 0) {
          items.push(
            build({ ...all, senderId: null, otid }, { kind: 'ReasoningMessage', messageType: 'reasoning_message', source: 'reasoner_model', reasoning: texts.join('\n\n'), signature: part.encryptedContent }),
          );
        }
        break;
      }
      case 'RedactedReasoningContent':
        items.push(build({ ...all, otid }, { kind: 'HiddenReasoningMessage', messageType: 'hidden_reasoning_message', state: 'redacted', hiddenReasoning: part.data }));
        break;
      case 'OmittedReasoningContent':
        items.push(build({ ...all, senderId: null, otid }, { kind: 'HiddenReasoningMessage', messageType: 'hidden_reasoning_message', state: 'omitted', hiddenReasoning: null }));
        break;
      default:
        // Tool calls in content (Gemini's) are shown from `tool_calls`; images and returns are not shown.
        break;
    }
  }
  return items;
}

const lettaToolCall = (call: ToolCallRecord): LettaToolCall => ({ name: call.function.name, arguments: call.function.arguments, toolCallId: call.id });

/**
 * The row's tool calls: calls of other tools grouped into tool call messages, each `send_message` call as an
 * assistant message with its `message` argument (and the calls before it flushed as one tool call message).
 */
function toolCallItems(read: ReadRow, before: number, all: Fields, build: Build): LettaMessage[] {
  const { row } = read;
  const items: LettaMessage[] = [];
  let collected: LettaToolCall[] = [];
  const flush = () => {
    items.push(build({ ...all, otid: otidOf(row.id, before + items.length) }, { kind: 'ToolCallMessage', messageType: 'tool_call_message', toolCall: collected[0]!, toolCalls: collected }));
    collected = [];
  };
  for (const call of read.toolCalls ?? []) {
    // Letta numbers the assistant message before flushing the calls ahead of it: both get this otid.
    const otid = otidOf(row.id, before + items.length);
    if (call.function.name !== ASSISTANT_MESSAGE_TOOL) {
      collected.push(lettaToolCall(call));
      continue;
    }
    if (collected.length > 0) flush();
    const args = parseJsonObject(call.function.arguments);
    if (args === null) throw new Unconvertible('MALFORMED_ASSISTANT_MESSAGE');
    // A call without the argument says nothing; Letta skips it.
    if (!Object.hasOwn(args, ASSISTANT_MESSAGE_KWARG)) continue;
    const value = args[ASSISTANT_MESSAGE_KWARG];
    const message = isJsonObject(value) ? pythonJsonDumps(value) : pythonStr(value);
    items.push(build({ ...all, otid }, { kind: 'AssistantMessage', messageType: 'assistant_message', content: message }));
  }
  if (collected.length > 0) flush();
  return items;
}

/** A tool row as one tool return message: its returns, each response read as Letta packs it. */
function toolReturnItem(read: ReadRow, all: Fields, build: Build): LettaMessage {
  const { row, content } = read;
  let returns = read.toolReturns;
  // A return that lost its call id while Letta moved them from the row to the returns.
  if (returns.length === 1 && row.toolCallId && !returns[0]!.toolCallId) returns = [{ ...returns[0]!, toolCallId: row.toolCallId }];
  const otid = otidOf(row.id, 0);
  let toolReturns: LettaToolReturn[];
  if (returns.length > 0) {
    toolReturns = returns.map((record) => {
      const parsed = parseToolResponse(responseOf(record));
      return {
        kind: 'LettaToolReturn',
        toolReturn: record.funcResponseParts ?? parsed.message,
        status: parsed.status,
        toolCallId: callIdOf(record.toolCallId),
        stdout: record.stdout,
        stderr: record.stderr,
      };
    });
  } else {
    // Legacy: the response is the row's one text part.
    const only = content[0];
    if (content.length !== 1 || only?.kind !== 'TextContent') throw new Unconvertible('NO_TOOL_RETURN');
    const parsed = parseToolResponse(only.text);
    toolReturns = [{ kind: 'LettaToolReturn', toolReturn: parsed.message, status: parsed.status, toolCallId: callIdOf(row.toolCallId), stdout: null, stderr: null }];
  }
  const first = toolReturns[0]!;
  const text = typeof first.toolReturn === 'string' ? first.toolReturn : toolReturnText(first.toolReturn);
  if (text === null) throw new Unconvertible('MALFORMED_TOOL_RETURN');
  return build(
    { ...all, otid },
    { kind: 'ToolReturnMessage', messageType: 'tool_return_message', toolReturn: text, status: first.status, toolCallId: first.toolCallId, stdout: first.stdout, stderr: first.stderr, toolReturns },
  );
}

function callIdOf(id: string | null): string {
  if (id === null) throw new Unconvertible('NO_TOOL_CALL_ID');
  return id;
}

const responseOf = (record: ToolReturnRecord): string | (TextPart | ImagePart)[] | null => record.funcResponseParts ?? record.funcResponse;

/** An approval response: the approvals (tool returns read as Letta packs them), or the legacy decision columns. */
function approvalResponse(row: MessageRow): Body<Extract<LettaMessage, { kind: 'ApprovalResponseMessage' }>> {
  const approvals = listOf(row.approvals, parseApproval) ?? [];
  if (approvals.length > 0) {
    const decision = approvals.find((approval): approval is ApprovalRecord => approval.kind === 'ApprovalReturn');
    return {
      kind: 'ApprovalResponseMessage',
      messageType: 'approval_response_message',
      approvals: approvals.map((approval) =>
        approval.kind === 'ApprovalReturn'
          ? approval
          : {
              kind: 'LettaToolReturn',
              // Here Letta keeps the stored status, and shows any response as text.
              toolReturn: parseToolResponse(responseOf(approval)).message,
              status: approval.status,
              toolCallId: callIdOf(approval.toolCallId),
              stdout: approval.stdout,
              stderr: approval.stderr,
            },
      ),
      approve: decision?.approve ?? null,
      approvalRequestId: decision?.toolCallId ?? null,
      reason: decision?.reason ?? null,
    };
  }
  if (row.approve === null || row.approvalRequestId === null) throw new Unconvertible('MALFORMED_APPROVAL');
  return {
    kind: 'ApprovalResponseMessage',
    messageType: 'approval_response_message',
    approvals: [{ kind: 'ApprovalReturn', approve: row.approve, toolCallId: row.approvalRequestId, reason: row.denialReason }],
    approve: row.approve,
    approvalRequestId: row.approvalRequestId,
    reason: row.denialReason,
  };
}

/**
 * A tool's response as Letta packs it: `{"status": "OK" | "Failed", "message": ...}`, the message shown as
 * Python's `str()` of it (the whole text when there is no `message`); parts are shown as their text.
 */
function parseToolResponse(response: string | (TextPart | ImagePart)[] | null): { message: string; status: ToolReturnStatus } {
  if (Array.isArray(response)) return { message: toolReturnText(response) ?? '[Multi-modal content]', status: 'success' };
  if (response === null) throw new Unconvertible('MALFORMED_TOOL_RETURN');
  const packed = parseJsonObject(response);
  if (packed === null) throw new Unconvertible('MALFORMED_TOOL_RETURN');
  const status = Object.hasOwn(packed, 'status') ? packed.status : 'OK';
  if (status !== 'OK' && status !== 'Failed') throw new Unconvertible('INVALID_TOOL_STATUS');
  return { message: pythonStr(Object.hasOwn(packed, 'message') ? packed.message : response), status: status === 'OK' ? 'success' : 'error' };
}

/** Text and image parts as one text: the texts on lines of their own, images as a placeholder; null for nothing. */
export function toolReturnText(parts: (TextPart | ImagePart)[]): string | null {
  const texts = parts.flatMap((part) => (part.kind === 'TextContent' && part.text !== '' ? [part.text] : []));
  const images = parts.filter((part) => part.kind === 'ImageContent').length;
  let text = texts.join('\n');
  if (images > 0) {
    const placeholder = images === 1 ? '[Image omitted]' : `[${images} images omitted]`;
    text = text ? `${text} ${placeholder}` : placeholder;
  }
  return text === '' ? null : text;
}

/** A user message Letta packed as `{"type": "user_message", "message": ...}` unpacked; any other text as it is. */
function unpackMessage(text: string): string {
  let packed: unknown;
  try {
    packed = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isJsonObject(packed) || !Object.hasOwn(packed, 'message') || packed.type !== 'user_message') return text;
  if (typeof packed.message !== 'string') throw new Unconvertible('MALFORMED_USER_MESSAGE');
  return packed.message;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The otid Letta gives the item at `index` of a row's items: the row's UUID with its last 7 bits replaced by
 * the index, so that every item of a row has one of its own (Letta's `generate_otid_from_id`).
 */
export function otidOf(messageId: string, index: number): string {
  if (index >= 128) throw new Unconvertible('TOO_MANY_ITEMS');
  const digits = messageId.replaceAll('message-', '').replaceAll('-', '');
  if (!/^[0-9a-f]+$/i.test(digits)) throw new Unconvertible('MALFORMED_ID');
  const value = (BigInt(`0x${digits}`) & ~0x7fn) | BigInt(index);
  const text = value.toString(16).padStart(32, '0');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
