/**
 * A webhook server in a process of its own, for the hostile-request tests: the fake provider's
 * node webhook endpoint on a loopback port. Prints `{"port":…}` once listening; a crash ends the
 * process, which the test sees.
 */
import { createServer } from 'node:http';
import { createPayments, refuseConnectRequests } from '../../src/index.js';
import { createFakeProvider } from '../../src/testing/index.js';

const fake = createFakeProvider();
const payments = createPayments({ providers: [fake] });
const hook = payments.nodeWebhookHandler('fake');
// As the webhooks guide shows: CONNECT never reaches a request listener, so the server answers it.
const server = refuseConnectRequests(createServer((request, response) => void hook(request, response)));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
