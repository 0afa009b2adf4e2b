import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationInput, WebhookResponse } from '@hutong/core';

/** What the merchant's server received. */
export interface Received {
  path: string;
  notification: NotificationInput;
}

/**
 * A merchant's webhook server on a local port: every POST is recorded and answered by `handle`
 * (the wallet's expected reply).
 */
export async function startMerchantServer(
  handle: (path: string, notification: NotificationInput) => Promise<WebhookResponse>,
) {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const notification: NotificationInput = {
      method: request.method,
      headers: headersOf(request.headers),
      body: Buffer.concat(chunks).toString('utf8'),
    };
    const path = request.url ?? '/';
    received.push({ path, notification });
    const reply = await handle(path, notification);
    response.writeHead(reply.status, reply.headers).end(reply.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function headersOf(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') out[name] = value;
  return out;
}
