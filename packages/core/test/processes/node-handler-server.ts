// A server in its own process for the raw-socket tests of node-http.test.ts: it prints its port,
// then serves until killed. An exception escaping a request would end the process.
import { createServer } from 'node:http';
import { createNodeHandler, refuseConnectRequests } from '../../src/node-http.js';

const listener = createNodeHandler(
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/throw') throw new Error('handler failed');
    const body = request.method === 'POST' ? await request.text() : '';
    return new Response(JSON.stringify({ href: url.href, method: request.method, body }), {
      headers: { 'content-type': 'application/json', location: new URL('/done', url).href },
    });
  },
  { origin: 'https://shop.example', maxBodyBytes: 1024 },
);
const server = refuseConnectRequests(createServer(listener));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${address.port}\n`);
});
