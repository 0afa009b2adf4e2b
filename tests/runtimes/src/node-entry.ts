/**
 * The merchant app on Node's `http`, through core's `createNodeHandler` (request URLs built on the
 * trusted origin): prints `listening <port>` once it accepts connections.
 *
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHandler } from '@hutong/core/provider-utils';
import { createMerchantApp } from './merchant-app.js';

let handle: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
const server = createServer((request, response) => {
  if (handle) void handle(request, response);
  else response.writeHead(503).end();
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  // The origin is known once the port is: only then are requests handled.
  handle = createNodeHandler(createMerchantApp(), { origin: `http://127.0.0.1:${port}` });
  console.log(`listening ${port}`);
});
