import { describe, expect, it } from 'vitest';

import { otidOf, toLettaMessages, type MessageRow } from '../src/letta/letta-messages.ts';
import { pythonStr } from '../src/letta/python.ts';

const ROW_ID = 'message-3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const DATE = '2025-01-29T23:01:19.123456Z';

function row(fields: Partial<MessageRow> = {}): MessageRow {
  return {
    id: ROW_ID,
    role: 'assistant',
    text: null,
    content: [],
    name: 'agent',
    toolCallId: null,
    otid: 'stored-otid',
    senderId: 'agent-1',
    stepId: 'step-1',
    runId: 'run-1',
    isErr: null,
    toolCalls: [],
    toolReturns: null,
    approvals: null,
    approve: null,
    approvalRequestId: null,
    denialReason: null,
    createdAt: DATE,
    ...fields,
  };
}

const call = (id: string, name: string, args: unknown) => ({ id, type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } });
const itemsOf = (rows: MessageRow[]) => toLettaMessages(rows).flatMap((converted) => converted.items);
const kinds = (rows: MessageRow[]) => itemsOf(rows).map((item) => item.kind);

describe('the otid of an item', () => {
  it('is the row id with its last 7 bits replaced by the index', () => {
    expect(otidOf(ROW_ID, 0)).toBe('3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a00');
    expect(otidOf(ROW_ID, 5)).toBe('3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a05');
    expect(otidOf(ROW_ID, 127)).toBe('3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a7f');
  });
});

describe('an assistant row', () => {
  it('lists its items reversed: the answer first, then the reasoning that led to it', () => {
    const items = itemsOf([
      row({ content: [{ type: 'text', text: 'I will answer.' }], toolCalls: [call('call_1', 'send_message', { message: 'Hello!' })] }),
    ]);
    expect(items).toEqual([
      expect.objectContaining({ kind: 'AssistantMessage', messageType: 'assistant_message', content: 'Hello!', index: 0, otid: otidOf(ROW_ID, 1), senderId: 'agent-1' }),
      expect.objectContaining({ kind: 'ReasoningMessage', reasoning: 'I will answer.', source: 'non_reasoner_model', signature: null, index: 1, otid: otidOf(ROW_ID, 0) }),
    ]);
    expect(items.every((item) => item.id === ROW_ID && item.date === DATE && item.stepId === 'step-1' && item.runId === 'run-1')).toBe(true);
  });

  it('concatenates native reasoning into the reasoning item before it, with no sender', () => {
    const items = itemsOf([
      row({
        content: [
          { type: 'reasoning', is_native: true, reasoning: 'First, ', signature: 'sig-1' },
          { type: 'reasoning', is_native: true, reasoning: 'then.', signature: 'sig-2' },
        ],
      }),
    ]);
    expect(items).toEqual([expect.objectContaining({ kind: 'ReasoningMessage', reasoning: 'First, then.', source: 'reasoner_model', signature: 'sig-1', senderId: null })]);
    // Text reasoning is continued by native reasoning too.
    expect(itemsOf([row({ content: [{ type: 'text', text: 'a' }, { type: 'reasoning', is_native: true, reasoning: 'b' }] })]).map((item) => 'reasoning' in item && item.reasoning)).toEqual(['ab']);
  });

  it('shows summarized reasoning joined by blank lines, and skips it when every summary is empty', () => {
    const summarized = (summary: { index: number; text: string }[]) => ({ type: 'summarized_reasoning', id: 'rs_1', summary, encrypted_content: 'enc' });
    expect(itemsOf([row({ content: [summarized([{ index: 0, text: 'One' }, { index: 1, text: '' }, { index: 2, text: 'Two' }])] })])).toEqual([
      expect.objectContaining({ kind: 'ReasoningMessage', reasoning: 'One\n\nTwo', source: 'reasoner_model', signature: 'enc' }),
    ]);
    expect(itemsOf([row({ content: [summarized([{ index: 0, text: '' }])] })])).toEqual([]);
  });

  it('shows redacted and omitted reasoning as hidden reasoning', () => {
    const items = itemsOf([row({ content: [{ type: 'redacted_reasoning', data: 'xyz' }, { type: 'omitted_reasoning', signature: 's' }] })]);
    expect(items).toEqual([
      expect.objectContaining({ kind: 'HiddenReasoningMessage', state: 'omitted', hiddenReasoning: null, senderId: null, index: 0, otid: otidOf(ROW_ID, 1) }),
      expect.objectContaining({ kind: 'HiddenReasoningMessage', state: 'redacted', hiddenReasoning: 'xyz', senderId: 'agent-1', index: 1, otid: otidOf(ROW_ID, 0) }),
    ]);
  });

  it('skips tool-call, image and unknown parts of its content', () => {
    const content = [
      { type: 'tool_call', id: 'call_1', name: 'web_search', input: {} },
      { type: 'image', source: { type: 'letta', file_id: 'file-1' } },
      { type: 'hologram', data: '?' },
      { type: 'text', text: 'kept' },
    ];
    expect(itemsOf([row({ content })])).toEqual([expect.objectContaining({ kind: 'ReasoningMessage', reasoning: 'kept', otid: otidOf(ROW_ID, 0) })]);
  });

  it('groups other tools’ calls into tool call messages, flushed by each send_message call', () => {
    const items = itemsOf([
      row({
        toolCalls: [call('c1', 'web_search', { q: 1 }), call('c2', 'run_code', { code: 'x' }), call('c3', 'send_message', { message: 'Done.' }), call('c4', 'web_search', { q: 2 })],
      }),
    ]);
    expect(items.map((item) => item.kind)).toEqual(['ToolCallMessage', 'AssistantMessage', 'ToolCallMessage']);
    const [last, answer, first] = items as [any, any, any];
    expect(first.toolCalls).toEqual([
      { name: 'web_search', arguments: '{"q":1}', toolCallId: 'c1' },
      { name: 'run_code', arguments: '{"code":"x"}', toolCallId: 'c2' },
    ]);
    expect(first.toolCall).toEqual(first.toolCalls[0]);
    expect(last.toolCalls).toEqual([{ name: 'web_search', arguments: '{"q":2}', toolCallId: 'c4' }]);
    // Letta numbers the answer before it flushes the calls ahead of it: the two share an otid.
    expect([first.otid, answer.otid, last.otid]).toEqual([otidOf(ROW_ID, 0), otidOf(ROW_ID, 0), otidOf(ROW_ID, 2)]);
    expect(items.map((item) => item.index)).toEqual([0, 1, 2]);
  });

  it('writes a send_message argument that is not text as Python writes it, and skips a call without one', () => {
    const answers = (message: unknown) =>
      itemsOf([row({ toolCalls: [call('c1', 'send_message', message === undefined ? {} : { message })] })]).map((item) => 'content' in item && item.content);
    expect(answers({ a: 1, b: [true, null] })).toEqual(['{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}']);
    expect(answers(['x', "it's"])).toEqual([`['x', "it's"]`]);
    expect(answers(null)).toEqual(['None']);
    expect(answers(false)).toEqual(['False']);
    expect(answers(undefined)).toEqual([]);
  });

  it('fails on send_message arguments that are not a JSON object, as Letta’s server does', () => {
    const [converted] = toLettaMessages([row({ toolCalls: [call('c1', 'send_message', 'not json')] })]);
    expect(converted).toMatchObject({ items: [], failure: { messageId: ROW_ID, role: 'assistant', reason: 'MALFORMED_ASSISTANT_MESSAGE' } });
  });

  it('shows is_err only when it is true', () => {
    expect(itemsOf([row({ content: [{ type: 'text', text: 'x' }], isErr: false })])[0]!.isErr).toBeNull();
    expect(itemsOf([row({ content: [{ type: 'text', text: 'x' }], isErr: true })])[0]!.isErr).toBe(true);
  });

  it('yields nothing when it has neither content nor calls', () => {
    expect(toLettaMessages([row()])).toEqual([{ row: row(), items: [], failure: null }]);
  });
});

describe('a tool row', () => {
  const TOOL_ID = 'message-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  const toolRow = (fields: Partial<MessageRow>) => row({ id: TOOL_ID, role: 'tool', name: 'web_search', toolCallId: 'c1', ...fields });

  it('is left out when it returns a send_message call: the answer is the assistant message', () => {
    const converted = toLettaMessages([
      row({ toolCalls: [call('c1', 'send_message', { message: 'Hi' })] }),
      toolRow({ name: 'send_message', toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: '{"status": "OK", "message": "None"}' }] }),
    ]);
    expect(converted.map((c) => c.items.map((item) => item.kind))).toEqual([['AssistantMessage'], []]);
  });

  it('is left out when any call of its assistant row is send_message, whichever call it returns', () => {
    const converted = toLettaMessages([
      row({ toolCalls: [call('c1', 'web_search', {}), call('c2', 'send_message', { message: 'Hi' })] }),
      toolRow({ toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: '{"status": "OK", "message": "found"}' }] }),
    ]);
    expect(converted[1]!.items).toEqual([]);
  });

  it('reads each return’s response as Letta packs it, ignoring the stored status', () => {
    const items = itemsOf([
      toolRow({
        toolReturns: [
          { tool_call_id: 'c1', status: 'success', func_response: '{"status": "Failed", "message": "timed out"}', stdout: [], stderr: ['TimeoutError'] },
          { tool_call_id: 'c2', status: 'error', func_response: '{"message": {"rows": 2}}' },
          { tool_call_id: 'c3', status: 'success', func_response: '{"status": "OK"}' },
        ],
      }),
    ]);
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'ToolReturnMessage',
        toolReturn: 'timed out',
        status: 'error',
        toolCallId: 'c1',
        stdout: [],
        stderr: ['TimeoutError'],
        otid: otidOf(TOOL_ID, 0),
        toolReturns: [
          { kind: 'LettaToolReturn', toolReturn: 'timed out', status: 'error', toolCallId: 'c1', stdout: [], stderr: ['TimeoutError'] },
          { kind: 'LettaToolReturn', toolReturn: "{'rows': 2}", status: 'success', toolCallId: 'c2', stdout: null, stderr: null },
          { kind: 'LettaToolReturn', toolReturn: '{"status": "OK"}', status: 'success', toolCallId: 'c3', stdout: null, stderr: null },
        ],
      }),
    ]);
  });

  it('keeps a response of parts as parts, and shows their text in the deprecated field', () => {
    const [item] = itemsOf([
      toolRow({
        toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: [{ type: 'text', text: 'A chart:' }, { type: 'image', source: { type: 'letta', file_id: 'file-1' } }] }],
      }),
    ]) as [any];
    expect(item.toolReturn).toBe('A chart: [Image omitted]');
    expect(item.toolReturns[0].toolReturn).toHaveLength(2);
    expect(item.status).toBe('success');
  });

  it('takes the call id of the row for a single return that lost its own', () => {
    const [item] = itemsOf([toolRow({ toolReturns: [{ status: 'success', func_response: '{"status": "OK", "message": "x"}' }] })]) as [any];
    expect(item.toolCallId).toBe('c1');
  });

  it('reads a legacy row’s single text part as its response; the row’s text stands in for empty content', () => {
    for (const legacy of [toolRow({ content: [{ type: 'text', text: '{"status": "OK", "message": "42"}' }] }), toolRow({ content: null, text: '{"status": "OK", "message": "42"}' })]) {
      expect(itemsOf([legacy])).toEqual([
        expect.objectContaining({
          kind: 'ToolReturnMessage',
          toolReturn: '42',
          status: 'success',
          toolCallId: 'c1',
          stdout: null,
          stderr: null,
          toolReturns: [{ kind: 'LettaToolReturn', toolReturn: '42', status: 'success', toolCallId: 'c1', stdout: null, stderr: null }],
        }),
      ]);
    }
  });

  it('with returns, reads their responses, not the row’s text part', () => {
    const [item] = itemsOf([
      toolRow({ content: [{ type: 'text', text: '{"status": "OK", "message": "from text"}' }], toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: '{"status": "OK", "message": "from the return"}' }] }),
    ]) as [any];
    expect(item.toolReturn).toBe('from the return');
  });

  it('is set aside with the reason where Letta’s server fails the request', () => {
    const reasonOf = (fields: Partial<MessageRow>) => toLettaMessages([toolRow(fields)])[0]!.failure?.reason;
    expect(reasonOf({ toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: 'Traceback (most recent call last)' }] })).toBe('MALFORMED_TOOL_RETURN');
    expect(reasonOf({ toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: '[1, 2]' }] })).toBe('MALFORMED_TOOL_RETURN');
    expect(reasonOf({ toolReturns: [{ tool_call_id: 'c1', status: 'success', func_response: '{"status": "maybe"}' }] })).toBe('INVALID_TOOL_STATUS');
    expect(reasonOf({ toolReturns: [{ tool_call_id: 'c1', status: 'success' }] })).toBe('MALFORMED_TOOL_RETURN');
    expect(reasonOf({ content: [] })).toBe('NO_TOOL_RETURN');
  });
});

describe('user, system and summary rows', () => {
  it('shows a user row’s single text unpacked, and several parts as parts', () => {
    const user = (content: unknown, text: string | null = null) => itemsOf([row({ role: 'user', content, text })])[0] as any;
    expect(user([{ type: 'text', text: 'Hi' }])).toMatchObject({ kind: 'UserMessage', content: 'Hi', otid: 'stored-otid', senderId: 'agent-1' });
    expect(user([{ type: 'text', text: '{"type": "user_message", "message": "packed", "time": "now"}' }]).content).toBe('packed');
    expect(user([{ type: 'text', text: '{"type": "heartbeat", "message": "tick"}' }]).content).toBe('{"type": "heartbeat", "message": "tick"}');
    expect(user(null, 'legacy').content).toBe('legacy');
    const parts = user([{ type: 'text', text: 'Look' }, { type: 'image', source: { type: 'letta', file_id: 'file-1' } }]).content;
    expect(parts.map((part: { kind: string }) => part.kind)).toEqual(['TextContent', 'ImageContent']);
    expect(toLettaMessages([row({ role: 'user', content: [] })])[0]!.failure?.reason).toBe('NO_TEXT');
    expect(toLettaMessages([row({ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'reasoning', is_native: true, reasoning: 'b' }] })])[0]!.failure?.reason).toBe('UNSUPPORTED_CONTENT');
  });

  it('shows a system row’s single text as it is, with the stored otid and no is_err', () => {
    expect(itemsOf([row({ role: 'system', content: [{ type: 'text', text: 'You are helpful.' }], isErr: true })])).toEqual([
      expect.objectContaining({ kind: 'SystemMessage', content: 'You are helpful.', otid: 'stored-otid', isErr: null }),
    ]);
    expect(toLettaMessages([row({ role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })])[0]!.failure?.reason).toBe('NO_TEXT');
  });

  it('shows a summary row as a user message, its packed alert left as it is', () => {
    const alert = '{"type": "system_alert", "message": "Earlier messages were summarized."}';
    expect(itemsOf([row({ role: 'summary', content: [{ type: 'text', text: alert }] })])).toEqual([expect.objectContaining({ kind: 'UserMessage', content: alert })]);
  });

  it('sets aside a row with a role Letta does not show', () => {
    expect(toLettaMessages([row({ role: 'function', content: [{ type: 'text', text: 'ok' }] })])[0]!.failure).toEqual({ messageId: ROW_ID, role: 'function', reason: 'UNSUPPORTED_ROLE' });
  });
});

describe('an approval row', () => {
  it('with tool calls is an approval request, after its reasoning in the list', () => {
    const items = itemsOf([row({ role: 'approval', content: [{ type: 'text', text: 'Needs approval.' }], toolCalls: [call('c1', 'send_email', { to: 'a' })] })]);
    expect(items).toEqual([
      expect.objectContaining({ kind: 'ApprovalRequestMessage', otid: 'stored-otid', toolCall: { name: 'send_email', arguments: '{"to":"a"}', toolCallId: 'c1' }, index: 0 }),
      expect.objectContaining({ kind: 'ReasoningMessage', reasoning: 'Needs approval.', otid: otidOf(ROW_ID, 0), index: 1 }),
    ]);
  });

  it('without calls is an approval response from its approvals, the tool returns keeping their stored status', () => {
    const [item] = itemsOf([
      row({
        role: 'approval',
        approvals: [
          { type: 'approval', tool_call_id: 'c1', approve: true, reason: null },
          { tool_call_id: 'c1', status: 'error', func_response: '{"status": "OK", "message": "sent"}', stdout: [], stderr: [] },
        ],
      }),
    ]) as [any];
    expect(item).toMatchObject({ kind: 'ApprovalResponseMessage', approve: true, approvalRequestId: 'c1', reason: null, otid: 'stored-otid', name: null, stepId: null, senderId: null });
    expect(item.approvals).toEqual([
      { kind: 'ApprovalReturn', approve: true, toolCallId: 'c1', reason: null },
      { kind: 'LettaToolReturn', toolReturn: 'sent', status: 'error', toolCallId: 'c1', stdout: [], stderr: [] },
    ]);
  });

  it('without approvals reads the legacy decision columns', () => {
    const [item] = itemsOf([row({ role: 'approval', approve: false, approvalRequestId: 'c9', denialReason: 'No.' })]) as [any];
    expect(item).toMatchObject({ approve: false, approvalRequestId: 'c9', reason: 'No.', approvals: [{ kind: 'ApprovalReturn', approve: false, toolCallId: 'c9', reason: 'No.' }] });
    expect(toLettaMessages([row({ role: 'approval' })])[0]!.failure?.reason).toBe('MALFORMED_APPROVAL');
  });
});

describe('a whole step', () => {
  it('keeps the rows in order and only their items reversed', () => {
    expect(
      kinds([
        row({ id: 'message-00000000-0000-4000-8000-000000000001', role: 'user', content: [{ type: 'text', text: 'Q' }] }),
        row({ id: 'message-00000000-0000-4000-8000-000000000002', content: [{ type: 'text', text: 'think' }], toolCalls: [call('c1', 'web_search', {})] }),
        row({ id: 'message-00000000-0000-4000-8000-000000000003', role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: '{"status": "OK", "message": "r"}' }] }),
      ]),
    ).toEqual(['UserMessage', 'ToolCallMessage', 'ReasoningMessage', 'ToolReturnMessage']);
  });

  it('sets aside a row whose id is not a uuid, and a row with more items than otids can number', () => {
    expect(toLettaMessages([row({ id: 'message-xyz', content: [{ type: 'text', text: 'a' }] })])[0]!.failure?.reason).toBe('MALFORMED_ID');
    const many = Array.from({ length: 129 }, () => ({ type: 'redacted_reasoning', data: 'x' }));
    expect(toLettaMessages([row({ content: many })])[0]!.failure?.reason).toBe('TOO_MANY_ITEMS');
  });
});

describe("Python's str() of a JSON value", () => {
  it('writes what Letta’s server shows', () => {
    expect(pythonStr({ a: 'it\'s', b: 'say "hi"', c: "both ' \"", d: 'tab\there\n' })).toBe(`{'a': "it's", 'b': 'say "hi"', 'c': 'both \\' "', 'd': 'tab\\there\\n'}`);
    expect(pythonStr([1, 2.5, 1.23e-7, 0.00001, -3, true, null, {}])).toBe('[1, 2.5, 1.23e-07, 1e-05, -3, True, None, {}]');
    expect(pythonStr('\u0007 é \u2028')).toBe('\u0007 é \u2028');
    expect(pythonStr(['\u0007', 'é', '\u2028'])).toBe("['\\x07', 'é', '\\u2028']");
  });
});
