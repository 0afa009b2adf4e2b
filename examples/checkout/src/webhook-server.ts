import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payments } from '@hutong/core';

/** A merchant webhook server on loopback: `POST /webhooks/<provider>` → the facade's Node handler. */
export interface WebhookServer {
  /** Base URL, e.g. `http://127.0.0.1:52345`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the merchant's webhook endpoint for every configured provider. */
export async function startWebhookServer(payments: Payments, providers: readonly string[]): Promise<WebhookServer> {
  const handlers = new Map(providers.map((id) => [id, payments.nodeWebhookHandler(id)]));
  const server: Server = createServer((request, response) => {
    const match = /^\/webhooks\/([a-z-]+)$/.exec(request.url ?? '');
    const handler = match ? handlers.get(match[1] as string) : undefined;
    if (!handler || request.method !== 'POST') {
      response.writeHead(404).end();
      return;
    }
    handler(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
