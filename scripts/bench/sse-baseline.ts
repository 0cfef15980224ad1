/**
 * The floor under the memory of idle subscriptions: a bare `node:http` server that holds every POST it gets
 * open as an SSE stream, with a comment every 12 s, and nothing else (no GraphQL, no authentication). Its
 * `/metrics` says how many it holds, as the gateway's does. The benchmark measures it beside the gateway.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let open = 0;
const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    response.end(`steps_gateway_subscriptions{kind="subscriptions"} ${open}\n`);
    return;
  }
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write(':\n\n');
    open += 1;
    const keepAlive = setInterval(() => response.write(':\n\n'), 12_000);
    response.on('close', () => {
      open -= 1;
      clearInterval(keepAlive);
    });
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`sse baseline at http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql\n`));
