import { isStoredValue, TOOL_RETURN_STATUS, type ToolReturnStatus } from './enums.ts';

/**
 * Message content as stored by Letta: JSON lists of parts discriminated by `type`. Parsing is tolerant:
 * a part of an unknown type, or one missing a required field, is skipped rather than failing the message.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const strList = (value: unknown): string[] | null =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null;

export type ImageSource =
  | { kind: 'UrlImageSource'; url: string }
  | { kind: 'Base64ImageSource'; data: string; mediaType: string; detail: string | null }
  | { kind: 'LettaImageSource'; fileId: string; mediaType: string | null; data: string | null; detail: string | null };

export type TextPart = { kind: 'TextContent'; text: string; signature: string | null };
export type ImagePart = { kind: 'ImageContent'; source: ImageSource };
export type ContentPart =
  | TextPart
  | ImagePart
  | { kind: 'ToolCallContent'; id: string; name: string; input: Json; signature: string | null }
  | { kind: 'ToolReturnContent'; toolCallId: string; content: string; isError: boolean }
  | { kind: 'ReasoningContent'; isNative: boolean; reasoning: string; signature: string | null }
  | { kind: 'RedactedReasoningContent'; data: string }
  | { kind: 'OmittedReasoningContent'; signature: string | null }
  | {
      kind: 'SummarizedReasoningContent';
      id: string;
      summary: { index: number; text: string }[];
      encryptedContent: string | null;
    };

function parseImageSource(value: unknown): ImageSource | null {
  if (!isObject(value)) return null;
  const data = str(value.data);
  const mediaType = str(value.media_type);
  const detail = str(value.detail);
  switch (value.type) {
    case 'url': {
      const url = str(value.url);
      return url === null ? null : { kind: 'UrlImageSource', url };
    }
    case 'base64':
      return data === null || mediaType === null ? null : { kind: 'Base64ImageSource', data, mediaType, detail };
    case 'letta': {
      const fileId = str(value.file_id);
      return fileId === null ? null : { kind: 'LettaImageSource', fileId, mediaType, data, detail };
    }
    default:
      return null;
  }
}

export function parseContentPart(value: unknown): ContentPart | null {
  if (!isObject(value)) return null;
  const signature = str(value.signature);
  switch (value.type) {
    case 'text': {
      const text = str(value.text);
      return text === null ? null : { kind: 'TextContent', text, signature };
    }
    case 'image': {
      const source = parseImageSource(value.source);
      return source === null ? null : { kind: 'ImageContent', source };
    }
    case 'tool_call': {
      const id = str(value.id);
      const name = str(value.name);
      return id === null || name === null
        ? null
        : { kind: 'ToolCallContent', id, name, input: isObject(value.input) ? value.input : {}, signature };
    }
    case 'tool_return': {
      const toolCallId = str(value.tool_call_id);
      const content = str(value.content);
      return toolCallId === null || content === null
        ? null
        : { kind: 'ToolReturnContent', toolCallId, content, isError: value.is_error === true };
    }
    case 'reasoning': {
      const reasoning = str(value.reasoning);
      return reasoning === null ? null : { kind: 'ReasoningContent', isNative: value.is_native === true, reasoning, signature };
    }
    case 'redacted_reasoning': {
      const data = str(value.data);
      return data === null ? null : { kind: 'RedactedReasoningContent', data };
    }
    case 'omitted_reasoning':
      return { kind: 'OmittedReasoningContent', signature };
    case 'summarized_reasoning': {
      const id = str(value.id);
      if (id === null || !Array.isArray(value.summary)) return null;
      const summary = value.summary.flatMap((item) =>
        isObject(item) && typeof item.index === 'number' && typeof item.text === 'string' ? [{ index: item.index, text: item.text }] : [],
      );
      return { kind: 'SummarizedReasoningContent', id, summary, encryptedContent: str(value.encrypted_content) };
    }
    default:
      return null;
  }
}

export function parseContent(value: unknown): ContentPart[] {
  return Array.isArray(value) ? value.map(parseContentPart).filter((part): part is ContentPart => part !== null) : [];
}

/** A tool's response: Letta allows a string or a list of text and image parts. */
export type ToolReturnRecord = {
  kind: 'ToolReturn';
  status: ToolReturnStatus;
  funcResponse: string | null;
  funcResponseParts: (TextPart | ImagePart)[] | null;
  stdout: string[] | null;
  stderr: string[] | null;
  toolCallId: string | null;
};
export type ApprovalRecord = { kind: 'ApprovalReturn'; approve: boolean; toolCallId: string; reason: string | null };
export type ToolCallRecord = { id: string; type: string; function: { name: string; arguments: string } };

export function parseToolReturn(value: unknown): ToolReturnRecord | null {
  if (!isObject(value) || typeof value.status !== 'string' || !isStoredValue(TOOL_RETURN_STATUS, value.status)) return null;
  const response = value.func_response;
  const toolCallId = value.tool_call_id;
  return {
    kind: 'ToolReturn',
    status: value.status,
    funcResponse: typeof response === 'string' ? response : null,
    funcResponseParts: Array.isArray(response)
      ? parseContent(response).filter((part): part is TextPart | ImagePart => part.kind === 'TextContent' || part.kind === 'ImageContent')
      : null,
    stdout: strList(value.stdout),
    stderr: strList(value.stderr),
    toolCallId: toolCallId == null ? null : typeof toolCallId === 'string' ? toolCallId : JSON.stringify(toolCallId),
  };
}

export function parseApproval(value: unknown): ApprovalRecord | ToolReturnRecord | null {
  if (!isObject(value)) return null;
  if (value.type === 'approval' || typeof value.approve === 'boolean') {
    const toolCallId = str(value.tool_call_id);
    return typeof value.approve !== 'boolean' || toolCallId === null
      ? null
      : { kind: 'ApprovalReturn', approve: value.approve, toolCallId, reason: str(value.reason) };
  }
  return parseToolReturn(value);
}

export function parseToolCall(value: unknown): ToolCallRecord | null {
  if (!isObject(value) || !isObject(value.function)) return null;
  const id = str(value.id);
  const name = str(value.function.name);
  const args = value.function.arguments;
  if (id === null || name === null) return null;
  return {
    id,
    type: str(value.type) ?? 'function',
    function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

export const listOf = <T>(value: unknown, parse: (item: unknown) => T | null): T[] | null =>
  Array.isArray(value) ? value.map(parse).filter((item): item is T => item !== null) : null;
