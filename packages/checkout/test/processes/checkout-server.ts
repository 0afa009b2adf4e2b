// A checkout served by its own nodeHandler in a process of its own, as a merchant would run it:
// `http.createServer(checkout.nodeHandler)` with nothing catching what escapes, and beside it the
// unified-checkout guide's Node recipe (`refuseConnectRequests(createServer(checkout.nodeHandler))`).
// Prints one line of JSON (`{ port, recipePort, link, attempt }`) once both listen. Usage (from the repo root):
// tsx --tsconfig tsconfig.json packages/checkout/test/processes/checkout-server.ts
import { once } from 'node:events';
import { createServer } from 'node:http';
import { refuseConnectRequests } from '@hutong/core';
import { setup, UA } from '../checkout-setup.js';

const { checkout } = setup({ baseUrl: 'https://shop.example/pay' });
const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
await checkout.visit({ url, userAgent: UA.alipay });
const [attempt] = await checkout.listAttempts(session.id);
const server = createServer(checkout.nodeHandler);
const recipe = refuseConnectRequests(createServer(checkout.nodeHandler));
server.listen(0, '127.0.0.1');
recipe.listen(0, '127.0.0.1');
await Promise.all([once(server, 'listening'), once(recipe, 'listening')]);
const { port } = server.address() as { port: number };
const { port: recipePort } = recipe.address() as { port: number };
const link = new URL(url).pathname;
process.stdout.write(`${JSON.stringify({ port, recipePort, link, attempt: `${link}/a/${attempt?.orderId}` })}\n`);
