import { randomUUID } from 'node:crypto';

import type { Plugin } from 'graphql-yoga';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Gives every request an id (the caller's `x-request-id` when it is sane) and returns it in the response. */
export function requestIds() {
  const ids = new WeakMap<Request, string>();
  const idOf = (request: Request): string => {
    let id = ids.get(request);
    if (id === undefined) {
      id = request.headers.get('x-request-id')?.match(REQUEST_ID)?.[0] ?? randomUUID();
      ids.set(request, id);
    }
    return id;
  };
  const plugin: Plugin = {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', idOf(request));
    },
  };
  return { plugin, idOf };
}
