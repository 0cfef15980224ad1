import { builder } from './builder.ts';

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
  status: 'success' | 'error';
  funcResponse: string | null;
  funcResponseParts: (TextPart | ImagePart)[] | null;
  stdout: string[] | null;
  stderr: string[] | null;
  toolCallId: string | null;
};
export type ApprovalRecord = { kind: 'ApprovalReturn'; approve: boolean; toolCallId: string; reason: string | null };
export type ToolCallRecord = { id: string; type: string; function: { name: string; arguments: string } };

export function parseToolReturn(value: unknown): ToolReturnRecord | null {
  if (!isObject(value) || (value.status !== 'success' && value.status !== 'error')) return null;
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

// GraphQL types.

const signature = (description: string) => ({ nullable: true as const, description });

const UrlImageSourceType = builder.objectRef<Extract<ImageSource, { kind: 'UrlImageSource' }>>('UrlImageSource').implement({
  description: 'An image at a URL.',
  fields: (t) => ({ url: t.exposeString('url', { description: 'The URL of the image.' }) }),
});

const Base64ImageSourceType = builder
  .objectRef<Extract<ImageSource, { kind: 'Base64ImageSource' }>>('Base64ImageSource')
  .implement({
    description: 'An image sent inline, base64-encoded.',
    fields: (t) => ({
      // Nullable only so that it merges with LettaImageSource's optional fields of the same names in one
      // selection (GraphQL requires same-named fields of a union's members to have the same type).
      data: t.exposeString('data', { nullable: true, description: 'The base64 encoded image data. Always present.' }),
      mediaType: t.exposeString('mediaType', { nullable: true, description: 'The media type for the image. Always present.' }),
      detail: t.exposeString('detail', {
        nullable: true,
        description: 'What level of detail to use when processing and understanding the image (low, high, or auto to let the model decide).',
      }),
    }),
  });

const LettaImageSourceType = builder.objectRef<Extract<ImageSource, { kind: 'LettaImageSource' }>>('LettaImageSource').implement({
  description: 'An image persisted in Letta’s file storage.',
  fields: (t) => ({
    fileId: t.exposeString('fileId', { description: 'The unique identifier of the image file persisted in storage.' }),
    mediaType: t.exposeString('mediaType', { nullable: true, description: 'The media type for the image.' }),
    data: t.exposeString('data', { nullable: true, description: 'The base64 encoded image data.' }),
    detail: t.exposeString('detail', {
      nullable: true,
      description: 'What level of detail to use when processing and understanding the image (low, high, or auto to let the model decide).',
    }),
  }),
});

const ImageSourceUnion = builder.unionType('ImageSource', {
  description: 'The source of an image: a URL, inline base64 data, or a file in Letta’s storage.',
  types: [UrlImageSourceType, Base64ImageSourceType, LettaImageSourceType],
  resolveType: (source) => source.kind,
});

export const TextContentType = builder.objectRef<TextPart>('TextContent').implement({
  description: 'Text content of a message.',
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The text content of the message.' }),
    signature: t.exposeString('signature', signature('Stores a unique identifier for any reasoning associated with this text content.')),
  }),
});

export const ImageContentType = builder.objectRef<ImagePart>('ImageContent').implement({
  description: 'An image in a message.',
  fields: (t) => ({
    source: t.field({ type: ImageSourceUnion, description: 'The source of the image.', resolve: (part) => part.source }),
  }),
});

type Part<K extends ContentPart['kind']> = Extract<ContentPart, { kind: K }>;

const ToolCallContentType = builder.objectRef<Part<'ToolCallContent'>>('ToolCallContent').implement({
  description: 'A tool call event in a message.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'A unique identifier for this specific tool call instance.' }),
    name: t.exposeString('name', { description: 'The name of the tool being called.' }),
    input: t.field({
      type: 'JSON',
      description: 'The parameters being passed to the tool, structured as a dictionary of parameter names to values.',
      resolve: (part) => part.input,
    }),
    signature: t.exposeString('signature', signature('Stores a unique identifier for any reasoning associated with this tool call.')),
  }),
});

const ToolReturnContentType = builder.objectRef<Part<'ToolReturnContent'>>('ToolReturnContent').implement({
  description: 'A tool return event in a message.',
  fields: (t) => ({
    toolCallId: t.exposeString('toolCallId', { description: 'References the ID of the ToolCallContent that initiated this tool call.' }),
    content: t.exposeString('content', { description: 'The content returned by the tool execution.' }),
    isError: t.exposeBoolean('isError', { description: 'Indicates whether the tool execution resulted in an error.' }),
  }),
});

const ReasoningContentType = builder.objectRef<Part<'ReasoningContent'>>('ReasoningContent').implement({
  description: 'Intermediate reasoning of the model (sent via the Anthropic Messages API).',
  fields: (t) => ({
    isNative: t.exposeBoolean('isNative', {
      description: 'Whether the reasoning content was generated by a reasoner model that processed this step.',
    }),
    reasoning: t.exposeString('reasoning', { description: 'The intermediate reasoning or thought process content.' }),
    signature: t.exposeString('signature', signature('A unique identifier for this reasoning step.')),
  }),
});

const RedactedReasoningContentType = builder.objectRef<Part<'RedactedReasoningContent'>>('RedactedReasoningContent').implement({
  description: 'Reasoning that the provider redacted (sent via the Anthropic Messages API).',
  fields: (t) => ({
    data: t.exposeString('data', { description: 'The redacted or filtered intermediate reasoning content.' }),
  }),
});

const OmittedReasoningContentType = builder.objectRef<Part<'OmittedReasoningContent'>>('OmittedReasoningContent').implement({
  description:
    "A placeholder for reasoning content we know is present, but isn't returned by the provider (e.g. OpenAI GPT-5 on ChatCompletions).",
  fields: (t) => ({
    signature: t.exposeString('signature', signature('A unique identifier for this reasoning step.')),
  }),
});

const ReasoningSummaryType = builder.objectRef<{ index: number; text: string }>('ReasoningSummary').implement({
  description: 'One part of a reasoning summary.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'The index of the summary part.' }),
    text: t.exposeString('text', { description: 'The text of the summary part.' }),
  }),
});

const SummarizedReasoningContentType = builder
  .objectRef<Part<'SummarizedReasoningContent'>>('SummarizedReasoningContent')
  .implement({
    description: 'Summarized reasoning, the style returned by the OpenAI Responses API.',
    fields: (t) => ({
      id: t.exposeString('id', { description: 'The unique identifier for this reasoning step.' }),
      summary: t.field({ type: [ReasoningSummaryType], description: 'Summaries of the reasoning content.', resolve: (part) => part.summary }),
      encryptedContent: t.exposeString('encryptedContent', { nullable: true, description: 'The encrypted reasoning content.' }),
    }),
  });

export const MessageContentUnion = builder.unionType('MessageContent', {
  description: 'One typed part of a message’s content.',
  types: [
    TextContentType,
    ImageContentType,
    ToolCallContentType,
    ToolReturnContentType,
    ReasoningContentType,
    RedactedReasoningContentType,
    OmittedReasoningContentType,
    SummarizedReasoningContentType,
  ],
  resolveType: (part) => part.kind,
});

const ToolResponsePartUnion = builder.unionType('ToolResponsePart', {
  description: 'A part of a tool response given as a list: text or an image.',
  types: [TextContentType, ImageContentType],
  resolveType: (part) => part.kind,
});

const ToolReturnStatusEnum = builder.enumType('ToolReturnStatus', {
  description: 'The status of a tool call.',
  values: {
    SUCCESS: { value: 'success', description: 'The tool ran successfully.' },
    ERROR: { value: 'error', description: 'The tool failed.' },
  } as const,
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
