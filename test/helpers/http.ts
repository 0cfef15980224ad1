import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Gateway } from '../../src/server.ts';

/** Serves a gateway over real HTTP (and graphql-ws over WebSocket) on a free loopback port, as `npm start` does. */
export async function serve(gateway: Gateway): Promise<{ base: string; url: string; close(): Promise<void> }> {
  const server = createServer(gateway);
  server.on('upgrade', gateway.webSockets.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: `${base}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        gateway.webSockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: any;
}

export async function send(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A JSON POST of a GraphQL request with a key, as a script or a GraphQL client sends it. */
export function postGraphQL(url: string, key: string | undefined, body: unknown, headers: Record<string, string> = {}, init: RequestInit = {}) {
  return send(url, {
    ...init,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The codes of a response's errors: one over HTTP (`json`), or one from the gateway's fetch handler (`body`). */
export const codesOf = (result: { json?: any; body?: { errors?: { extensions?: Record<string, unknown> }[] } }): unknown[] =>
  ((result.json ?? result.body)?.errors ?? []).map((error: any) => error.extensions?.code);
