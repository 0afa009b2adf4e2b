// A checkout served by its own nodeHandler in a process of its own, as a merchant would run it:
// `http.createServer(checkout.nodeHandler)` with nothing catching what escapes. Prints one line of
// JSON (`{ port, link, attempt }`) once it listens. Usage (from the repo root):
// tsx --tsconfig tsconfig.json packages/checkout/test/processes/checkout-server.ts
import { createServer } from 'node:http';
import { setup, UA } from '../checkout-setup.js';

const { checkout } = setup({ baseUrl: 'https://shop.example/pay' });
const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
await checkout.visit({ url, userAgent: UA.alipay });
const [attempt] = await checkout.listAttempts(session.id);
const server = createServer(checkout.nodeHandler);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const link = new URL(url).pathname;
  process.stdout.write(`${JSON.stringify({ port, link, attempt: `${link}/a/${attempt?.orderId}` })}\n`);
});
