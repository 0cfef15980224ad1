/**
 * A subscription over GraphQL over SSE, as a client sees it: the events of the response's stream, read as they
 * come, each with its SSE id. Against a fetch handler (in-process) or a URL (a running gateway).
 */

export interface StreamEvent {
  id: string | undefined;
  result: any;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** Every result received so far. */
  readonly events: StreamEvent[];
  /** The next result not yet taken; fails after `timeoutMs`. */
  take(timeoutMs?: number): Promise<StreamEvent>;
  /** Takes `count` results. */
  takeMany(count: number, timeoutMs?: number): Promise<StreamEvent[]>;
  /** Whether no result comes within `ms`. */
  quiet(ms: number): Promise<boolean>;
  /** Resolves when the stream has ended (the server completed it, or it was closed). */
  ended: Promise<void>;
  close(): Promise<void>;
}

type Fetch = (input: string, init: RequestInit) => Response | Promise<Response>;

export async function subscribe(
  fetch: Fetch,
  url: string,
  key: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const events: StreamEvent[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let done = false;
  const reader = response.body?.getReader();
  const ended = (async () => {
    if (reader === undefined || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      if (response.body !== null) events.push({ id: undefined, result: await response.json().catch(() => null) });
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let id: string | undefined;
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (event === 'next') {
            events.push({ id, result: JSON.parse(data) });
            notify();
          }
          if (event === 'complete') return;
        }
      }
    } catch {
      // Closed by the client.
    }
  })().finally(() => {
    done = true;
    notify();
  });

  const take = async (timeoutMs = 5000): Promise<StreamEvent> => {
    const deadline = Date.now() + timeoutMs;
    while (events.length <= taken) {
      if (done) throw new Error(`the stream ended after ${events.length} results: ${JSON.stringify(events.map((e) => e.result))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no result within ${timeoutMs} ms (had ${events.length}: ${JSON.stringify(events.map((e) => e.result))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return events[taken++]!;
  };

  return {
    status: response.status,
    headers: response.headers,
    events,
    take,
    async takeMany(count, timeoutMs = 5000) {
      const results: StreamEvent[] = [];
      for (let i = 0; i < count; i++) results.push(await take(timeoutMs));
      return results;
    },
    async quiet(ms) {
      const before = events.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return events.length === before;
    },
    ended,
    async close() {
      // The stream itself, not its reader: whatwg-node's streams end a reader only at their next chunk.
      await response.body?.cancel().catch(() => reader?.cancel().catch(() => {}));
      controller.abort();
      await ended;
    },
  };
}
